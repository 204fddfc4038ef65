"""How users word requests: frames around an ask, ways to chain several asks, openers that
give context, follow-ups in a conversation, and the system texts that state today's date.

Every function takes the sample's `random.Random` so a seed fixes the wording too. An "ask"
is an imperative phrase starting with a lowercase verb ("get the forecast for Oslo"); the
frames here add politeness and punctuation without touching any spoken value.
"""

from __future__ import annotations

import random
from datetime import date

from ray_toolace.data.generator.values import spoken_today

# "{ask}" is the ask as written; "{Ask}" the same with its first letter capitalised.
FRAMES = (
    "{Ask}.",
    "{Ask}, please.",
    "Please {ask}.",
    "Could you {ask}?",
    "Could you please {ask}?",
    "Can you {ask}?",
    "Would you {ask}?",
    "I'd like you to {ask}.",
    "I need you to {ask}.",
    "Hi, could you {ask}?",
    "Hey there! Can you {ask}?",
    "Hello. Please {ask}.",
    "When you get a chance, {ask}.",
    "Quick favor: {ask}.",
    "Go ahead and {ask}.",
    "I was hoping you could {ask}.",
    "Is it possible to {ask}?",
    "Any chance you could {ask}?",
    "Do me a favor and {ask}.",
    "{Ask}. Thanks!",
    "{Ask}, thank you.",
    "Please {ask}. Thanks in advance!",
    "Help me out here: {ask}.",
    "Would you be able to {ask}?",
    "I'd appreciate it if you could {ask}.",
)

# Several asks in one message; the gold calls are matched in any order.
JOINERS_TWO = (
    "{Ask0}, and {ask1}.",
    "Could you {ask0} and also {ask1}?",
    "Please {ask0}. Then {ask1}.",
    "Can you {ask0}? Also, {ask1}.",
    "I need two things: {ask0}, and {ask1}.",
    "First {ask0}, then {ask1}, please.",
    "{Ask0}. After that, {ask1}.",
)
ORDINALS = ("First", "Second", "Third", "Fourth")

CONTEXTS = {
    "weather": ("I'm planning some time outdoors.", "I'm trying to decide what to pack.", "We might have a picnic."),
    "finance": (
        "I'm reviewing my portfolio.",
        "I'm doing some budgeting this week.",
        "I'm comparing a few investments.",
    ),
    "travel": ("I'm organizing a trip.", "My family is going on vacation soon.", "I have a work trip coming up."),
    "maps": ("I'm trying to get around town.", "I'm new to the area.", "I'm planning my route."),
    "ecommerce": ("I'm doing some online shopping.", "I'm looking for a gift.", "I have a question about my order."),
    "health": (
        "I've been trying to look after my health.",
        "I'm keeping track of my wellbeing.",
        "My doctor asked me to monitor things.",
    ),
    "sports": (
        "I'm a big sports fan.",
        "My friends and I follow the games closely.",
        "I'm settling a bet with a friend.",
    ),
    "music": (
        "I want some music on.",
        "I'm putting together a soundtrack for the weekend.",
        "I'm in the mood for something new.",
    ),
    "calendar": ("My week is getting busy.", "I'm sorting out my schedule.", "I need to keep my calendar in order."),
    "email": ("I'm catching up on my inbox.", "I need to get a message out.", "I'm cleaning up my mail."),
    "recipes": ("I'm cooking tonight.", "I'm planning meals for the week.", "I have guests coming over."),
    "real_estate": ("We're thinking about moving.", "I'm looking at properties.", "I'm considering buying a home."),
    "jobs": ("I'm looking for a new job.", "I'm exploring career options.", "I'm updating my job search."),
    "education": ("I'm studying for my exams.", "I want to learn something new.", "I'm helping my kid with school."),
    "smart_home": ("I'm not at home right now.", "I'm getting ready for bed.", "I'm setting up my smart home."),
    "translation": ("I'm traveling abroad soon.", "I'm writing to a colleague overseas.", "I'm learning languages."),
    "crypto": ("I'm keeping an eye on the crypto market.", "I hold a little crypto.", "I'm rebalancing my wallet."),
    "movies": ("I want to watch something tonight.", "It's movie night.", "I'm curious about a film."),
    "news": ("I want to stay informed.", "I haven't read the news today.", "I'm researching current events."),
    "books": ("I'm looking for something to read.", "I run a small book club.", "I'm using the library app."),
}

FOLLOW_UPS = (
    "What about {x}?",
    "Now do the same for {x}.",
    "And for {x}?",
    "Could you do that again for {x}?",
    "Same thing for {x}, please.",
    "Great, thanks. Can you also check {x}?",
    "Okay. How about {x}?",
)

# General questions that no tool of the pool answers; translation and date arithmetic are left
# out because some tools do serve those.
CHIT_CHAT = (
    "Can you tell me a joke about penguins?",
    "What's the capital of Australia?",
    "Who painted the Mona Lisa?",
    "Write me a short poem about autumn leaves.",
    "Why is the sky blue?",
    "How many legs does a spider have?",
    "What is the boiling point of water at sea level?",
    "Explain photosynthesis in one sentence.",
    "Who was the first person to walk on the moon?",
    "Give me three tips for better sleep.",
    "What rhymes with orange?",
    "Summarize the plot of Hamlet in two sentences.",
    "What's the difference between a crocodile and an alligator?",
    "How do I tie a bowline knot?",
    "Suggest a name for my new goldfish.",
    "What does DNA stand for?",
    "Is a tomato a fruit or a vegetable?",
    "Tell me something interesting about octopuses.",
    "What's a good icebreaker for a meeting?",
    "How do bees make honey?",
    "What is the tallest mountain in Africa?",
    "Who wrote The Odyssey?",
)

SYSTEM_TEXTS = (
    "You are a helpful assistant.",
    "You are a helpful assistant with access to tools. Call a tool when it helps answer the user.",
    "You are an assistant that can call external functions to complete the user's requests.",
    "You are a friendly, concise assistant. Use the available functions when they are relevant.",
    "You are a capable assistant. If none of the available functions fits the request, answer without calling one.",
)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def frame(ask: str, rng: random.Random) -> str:
    """One ask, wrapped in a random frame."""
    return rng.choice(FRAMES).format(ask=ask, Ask=capitalise(ask))


def join_asks(asks: list[str], rng: random.Random) -> str:
    """Several asks in one user message."""
    if len(asks) == 1:
        return frame(asks[0], rng)
    if len(asks) == 2 and rng.random() < 0.6:
        return rng.choice(JOINERS_TWO).format(
            ask0=asks[0], Ask0=capitalise(asks[0]), ask1=asks[1], Ask1=capitalise(asks[1])
        )
    style = rng.randrange(3)
    if style == 0:
        lead = rng.choice(("I have a few requests.", "A few things, please.", "Here's what I need."))
        return lead + " " + " ".join(f"{ORDINALS[i]}, {a}." for i, a in enumerate(asks))
    if style == 1:
        return "Please " + "; ".join(asks[:-1]) + "; and finally " + asks[-1] + "."
    return "Could you " + ", ".join(asks[:-1]) + ", and " + asks[-1] + "?"


def with_context(text: str, domain: str, rng: random.Random) -> str:
    """Sometimes put a context sentence before the request, as people do."""
    if domain in CONTEXTS and rng.random() < 0.3:
        return rng.choice(CONTEXTS[domain]) + " " + text
    return text


def spoken_list(parts: list[str], rng: random.Random) -> str:
    if len(parts) == 2 and rng.random() < 0.3:
        return f"both {parts[0]} and {parts[1]}"
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def follow_up(x: str, rng: random.Random) -> str:
    return rng.choice(FOLLOW_UPS).format(x=x)


def date_statement(today: date, rng: random.Random) -> str:
    return rng.choice(
        (
            f"Today's date is {spoken_today(today)}.",
            f"Current date: {today.isoformat()} ({spoken_today(today).split(',')[0]}).",
            f"For reference, today is {spoken_today(today)}.",
        )
    )


def system_text(rng: random.Random, today: date | None = None) -> str | None:
    """A system message, or None; when `today` is given the text must state it."""
    if today is None:
        return rng.choice(SYSTEM_TEXTS) if rng.random() < 0.5 else None
    base = rng.choice(SYSTEM_TEXTS) + " " if rng.random() < 0.7 else ""
    return base + date_statement(today, rng)
