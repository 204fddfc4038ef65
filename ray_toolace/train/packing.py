"""Micro-batches from tokenized sequences: greedy packing, or plain padded batches.

    batches = make_batches(seqs, packing=True, tokens_per_batch=4096, max_seq_len=1024, pad_id=0, seed=3)

Plain Python lists (no torch), so the arithmetic is testable and the benchmark can count real
and padding tokens exactly. Both modes give micro-batches of `rows = tokens_per_batch //
max_seq_len` rows (at least one) of at most `max_seq_len` tokens, so they need the same memory:

- packed: sequences go, in shuffled order, into the first row with room (first fit); rows of
  like length are grouped `rows` to a micro-batch, and the micro-batches shuffled. Each sequence keeps its own position ids (0, 1, ...), and with
  no attention mask transformers turns restarting position ids into a block-diagonal causal
  mask, so no token attends across a boundary. The first label of every sequence is -100, so
  the last token of one sequence is never trained to predict the first of the next.
- padded: `rows` sequences per micro-batch, right-padded to the longest of them.

Rows within a micro-batch are right-padded to the longest row; padding positions get label -100
and their own restarting position ids (a segment nothing real attends to, being causal and last).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ray_toolace.train.tokenize import IGNORE, Sequence


@dataclass
class Batch:
    """One micro-batch, as equal-length rows."""

    input_ids: list[list[int]] = field(default_factory=list)
    labels: list[list[int]] = field(default_factory=list)
    position_ids: list[list[int]] = field(default_factory=list)
    real_tokens: int = 0  # tokens of sequences (not padding)
    target_tokens: int = 0  # tokens the loss is taken on

    @property
    def slots(self) -> int:
        """Tokens the model computes on, padding included."""
        return sum(len(r) for r in self.input_ids)


def rows_per_batch(tokens_per_batch: int, max_seq_len: int) -> int:
    return max(1, tokens_per_batch // max_seq_len)


def first_fit(lengths: list[int], capacity: int) -> list[list[int]]:
    """Indices grouped into bins of total length <= capacity, each item in the first bin with
    room (bins in creation order, so the data order survives roughly as it was).

    >>> first_fit([6, 5, 4, 3, 2], 8)
    [[0, 4], [1, 3], [2]]
    """
    bins: list[list[int]] = []
    room: list[int] = []
    for i, n in enumerate(lengths):
        if n > capacity:
            raise ValueError(f"a sequence of {n} tokens does not fit a row of {capacity}")
        for b, free in enumerate(room):
            if n <= free:
                bins[b].append(i)
                room[b] -= n
                break
        else:
            bins.append([i])
            room.append(capacity - n)
    return bins


def _row(seqs: list[Sequence]) -> tuple[list[int], list[int], list[int]]:
    ids: list[int] = []
    labels: list[int] = []
    pos: list[int] = []
    for s in seqs:
        ids.extend(s.input_ids)
        labels.append(IGNORE)  # never predict a sequence's first token from the one before it
        labels.extend(s.labels[1:])
        pos.extend(range(len(s)))
    return ids, labels, pos


def _batch(rows: list[tuple[list[int], list[int], list[int]]], pad_id: int) -> Batch:
    width = max(len(r[0]) for r in rows)
    batch = Batch()
    for ids, labels, pos in rows:
        pad = width - len(ids)
        batch.real_tokens += len(ids)
        batch.target_tokens += sum(1 for x in labels if x != IGNORE)
        batch.input_ids.append(ids + [pad_id] * pad)
        batch.labels.append(labels + [IGNORE] * pad)
        batch.position_ids.append(pos + list(range(pad)))
    return batch


def packed_batches(seqs: list[Sequence], max_seq_len: int, rows: int, pad_id: int, seed: int = 0) -> list[Batch]:
    packed = [_row([seqs[i] for i in b]) for b in first_fit([len(s) for s in seqs], max_seq_len)]
    # rows of like length share a micro-batch, so little is padded (first fit leaves its last
    # rows part-empty); the batch order is then shuffled so fill does not follow the step number
    packed.sort(key=lambda r: len(r[0]), reverse=True)
    batches = [_batch(packed[i : i + rows], pad_id) for i in range(0, len(packed), rows)]
    random.Random(seed).shuffle(batches)
    return batches


def padded_batches(seqs: list[Sequence], rows: int, pad_id: int) -> list[Batch]:
    return [_batch([_row([s]) for s in seqs[i : i + rows]], pad_id) for i in range(0, len(seqs), rows)]


def make_batches(
    seqs: list[Sequence], packing: bool, tokens_per_batch: int, max_seq_len: int, pad_id: int, seed: int
) -> list[Batch]:
    """The micro-batches of one epoch: sequences shuffled with `seed`, then packed or padded."""
    order = list(range(len(seqs)))
    random.Random(seed).shuffle(order)
    shuffled = [seqs[i] for i in order]
    rows = rows_per_batch(tokens_per_batch, max_seq_len)
    if packing:
        return packed_batches(shuffled, max_seq_len, rows, pad_id, seed)
    return padded_batches(shuffled, rows, pad_id)


def shard(batches: list[Batch], rank: int, world: int) -> list[Batch]:
    """This rank's micro-batches. Every rank gets the same count (FSDP's collectives run in
    lockstep), so a short tail is filled by wrapping round to the first batches."""
    if not batches:
        raise ValueError("no training batches: the corpus is empty or every sequence was too long")
    per_rank = -(-len(batches) // world)
    full = [batches[i % len(batches)] for i in range(per_rank * world)]
    return full[rank::world]
