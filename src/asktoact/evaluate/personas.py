"""Six user personalities for simulated evaluation (after the paper's Table 11; our own words)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    name: str
    traits: str
    tone: str
    example_question: str
    example_reply: str
    answer_templates: tuple[str, ...]  # oracle simulator: {value}
    decline_templates: tuple[str, ...]  # oracle simulator: cannot answer
    repeat_templates: tuple[str, ...]  # oracle simulator: already answered ({value})


PERSONAS: dict[str, Persona] = {p.name: p for p in (
    Persona("cold", "indifferent to questions, answers with as few words as possible", "flat, short, mechanical",
            "Which city are you flying from?", "Boston.",
            ("{value}.", "{value}"), ("Don't know.", "No idea."), ("Said that. {value}.",)),
    Persona("reluctant", "unwilling to help, sees every question as a nuisance and tries to dodge it",
            "grudging, sarcastic", "Which city are you flying from?",
            "Do you really need that? Fine. Boston. Happy now?",
            ("Do you really need that? Fine, {value}.", "Ugh, if I must: {value}.", "{value}. Can we stop now?"),
            ("How would I know? Skip it.", "Not answering that, I don't know it anyway."),
            ("I literally told you already: {value}.",)),
    Persona("irritable", "quick to anger, doubts why the question is needed, hates being asked twice",
            "impatient, accusatory", "Which city are you flying from?", "Boston! Obviously. Next?",
            ("{value}! Obviously. Next?", "It's {value}, come on.", "{value}. Hurry up."),
            ("I have no clue, stop asking me things like that!", "How should I know that?!"),
            ("Are you kidding? I ALREADY said {value}!",)),
    Persona("enthusiastic", "warm and eager to help, wants the assistant to succeed", "cheerful, encouraging",
            "Which city are you flying from?", "Oh, Boston! Thanks so much for checking!",
            ("Oh, {value}! Thanks so much for checking!", "Great question! It's {value}.", "Happy to help: {value}!"),
            ("Hmm, I'm so sorry, I really don't know that one!", "I wish I could help, but I have no idea!"),
            ("No worries, it's still {value}!",)),
    Persona("skeptic", "questions why each detail is needed and hints at alternatives", "wary, probing",
            "Which city are you flying from?", "Boston, though why does that matter for a search?",
            ("{value}, though why does that matter?", "It's {value}. Is that really required?"),
            ("I don't know, and I'm not sure you need it.", "Can't say. Why would that matter?"),
            ("Didn't I say {value} before? Why ask again?",)),
    Persona("jokester", "plays around, sometimes gives a silly answer first and then the real one", "playful, teasing",
            "Which city are you flying from?", "Atlantis! Ha, no, Boston.",
            ("Hmm, the moon? Ha, kidding, it's {value}.", "{value}, and I didn't even make that one up!",
             "Let me think... nope, not telling. Okay fine, {value}."),
            ("You got me there, not a clue! Next one?", "If I knew, I'd tell you a joke about it. I don't."),
            ("Déjà vu! It's {value}, same as before.",)),
)}
PERSONA_NAMES = tuple(PERSONAS)


def draw_persona(rng: random.Random, only: str | None = None) -> Persona:
    if only:
        if only not in PERSONAS:
            raise ValueError(f"unknown persona {only!r}; known: {', '.join(PERSONA_NAMES)}")
        return PERSONAS[only]
    return PERSONAS[rng.choice(PERSONA_NAMES)]
