"""Ctrl-C while `ray-toolace submit` follows a job: it asks whether to stop the job too."""

from __future__ import annotations

import io

from ray_toolace.submit import on_interrupt


class Client:
    """Records stop_job calls (the Jobs API client's one method this logic uses)."""

    def __init__(self, stops: bool = True):
        self.stopped: list[str] = []
        self.stops = stops

    def stop_job(self, submission_id: str) -> bool:
        self.stopped.append(submission_id)
        return self.stops


def test_yes_stops_the_job():
    client, err = Client(), io.StringIO()
    assert on_interrupt(client, "job-1", "http://head:8265", ask=lambda q: "y", interactive=True, err=err) is True
    assert client.stopped == ["job-1"] and "stop requested for job-1" in err.getvalue()


def test_no_or_a_second_ctrl_c_leaves_it_running_and_says_how_to_stop_it():
    def interrupted(q):
        raise KeyboardInterrupt

    for ask in (lambda q: "", lambda q: "n", interrupted):
        client, err = Client(), io.StringIO()
        assert on_interrupt(client, "job-1", "http://head:8265", ask=ask, interactive=True, err=err) is False
        assert client.stopped == [] and "ray job stop --address http://head:8265 job-1" in err.getvalue()


def test_without_a_terminal_nothing_is_asked_and_the_job_keeps_running():
    def never(q):
        raise AssertionError("asked without a terminal")

    client, err = Client(), io.StringIO()
    assert on_interrupt(client, "job-1", "http://head:8265", ask=never, interactive=False, err=err) is False
    assert client.stopped == [] and "still running" in err.getvalue()


def test_a_job_that_already_ended_is_reported():
    client, err = Client(stops=False), io.StringIO()
    assert on_interrupt(client, "job-1", "http://head:8265", ask=lambda q: "yes", interactive=True, err=err) is False
    assert "job-1 had already ended" in err.getvalue()
