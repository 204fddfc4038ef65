"""The API pool, part 8: translation/dictionary and library tools (see schema.py for the form)."""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, flag, items, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."
FORMATS = {"print": "print|a printed copy", "ebook": "e-book|an ebook", "audiobook": "audiobook"}

TRANSLATION = [
    ToolSpec(
        "translate.text",
        "translation",
        "Translate text into another language.",
        (
            req("text", STR, "Text to translate.", "phrase"),
            req("target_language", STR, "Language to translate into, e.g. 'French'.", "language"),
            opt("source_language", STR, "Language of the text; detected when omitted.", "language"),
            choice(
                "formality", "Register of the translation.", {"formal": "formal|polite", "informal": "informal|casual"}
            ),
        ),
        (
            "translate {text}[ from {source_language}] into {target_language}[, keeping it {formality}]",
            "tell me how to say {text} in {target_language}[ (it's written in {source_language})][, in a {formality} tone]",
        ),
    ),
    ToolSpec(
        "translate.detect_language",
        "translation",
        "Identify the language of a text.",
        (
            req("text", STR, "Text to identify.", "phrase"),
            flag(
                "return_confidence",
                "Include a confidence score.",
                "with a confidence score|and how confident it is",
                "no confidence score needed",
            ),
        ),
        (
            "detect the language of {text}[ {return_confidence}]",
            "figure out which language {text} is in[, {return_confidence}]",
        ),
    ),
    ToolSpec(
        "translate.define_word",
        "translation",
        "Dictionary definition of an English word.",
        (
            req("word", STR, "The word.", "word"),
            choice(
                "part_of_speech",
                "Only senses of this part of speech.",
                {"noun": "noun", "verb": "verb", "adjective": "adjective"},
            ),
            flag(
                "include_examples",
                "Include example sentences.",
                "with example sentences|including examples",
                "without examples",
            ),
        ),
        (
            "define the word {word}[ as a {part_of_speech}][ {include_examples}]",
            "look up the meaning of {word}[, {include_examples}][, {part_of_speech} senses only]",
        ),
        vary="word",
    ),
    ToolSpec(
        "translate.get_synonyms",
        "translation",
        "Synonyms of an English word.",
        (
            req("word", STR, "The word.", "word"),
            opt("max_results", INT, "How many synonyms, 3 to 20.", ("int", 3, 20), default=10),
        ),
        ("give me[ {max_results}] synonyms for {word}", "find other words that mean {word}[, {max_results} at most]"),
        vary="word",
    ),
    ToolSpec(
        "translate.pronounce",
        "translation",
        "Audio and phonetic spelling of an English word.",
        (
            req("word", STR, "The word.", "word"),
            choice(
                "accent",
                "Accent.",
                {"american": "American|US", "british": "British|UK", "australian": "Australian"},
                default="american",
            ),
            flag("slow", "Slowed-down audio.", "slowly|at a slow speed", "at normal speed"),
        ),
        (
            "show me how to pronounce {word}[ in a {accent} accent][ {slow}]",
            "play the pronunciation of {word}[ {slow}][, {accent} accent]",
        ),
        vary="word",
    ),
    ToolSpec(
        "translate.translate_document",
        "translation",
        "Translate an uploaded document.",
        (
            req("document_id", STR, "Document identifier.", ("id", "DOC-#####", "document")),
            req("target_language", STR, "Language to translate into.", "language"),
            flag(
                "preserve_formatting",
                "Keep layout, fonts and tables.",
                "keeping the original formatting|preserving the layout",
                "as plain text|without the formatting",
            ),
        ),
        (
            "translate {document_id} into {target_language}[ {preserve_formatting}]",
            "have {document_id} translated to {target_language}[, {preserve_formatting}]",
        ),
    ),
    ToolSpec(
        "translate.create_glossary",
        "translation",
        "Glossary of fixed terms for future translations.",
        (
            req("name", STR, "Glossary name.", "glossary"),
            req("source_language", STR, "Language of the terms.", "language"),
            req("target_language", STR, "Language of the translations.", "language"),
            items("terms", STR, "Terms that must be translated consistently.", ("list", "word", 2, 4)),
        ),
        (
            "create a glossary called {name} for {source_language} to {target_language} with the terms {terms}",
            "set up a {source_language}-to-{target_language} glossary named {name} containing {terms}",
        ),
    ),
    ToolSpec(
        "translate.conjugate",
        "translation",
        "Conjugation table of a verb.",
        (
            req("verb", STR, "English infinitive of the verb, e.g. 'eat'; its translation is conjugated.", "verb"),
            req("language", STR, "Language to conjugate in.", "language"),
            choice("tense", "Tense.", {"present": "present", "past": "past", "future": "future"}, default="present"),
        ),
        (
            "conjugate the verb {verb} in {language}[ in the {tense} tense]",
            "show me the[ {tense}] conjugation of {verb} in {language}",
        ),
    ),
]

BOOKS = [
    ToolSpec(
        "books.search",
        "books",
        "Books by an author in the library catalogue.",
        (
            req("author", STR, "Author's name.", "author"),
            opt("published_after", INT, "Only books published after this year.", ("year", 1800, 2015)),
            choice("format", "Format.", FORMATS),
        ),
        (
            "search for books by {author}[ published after {published_after}][ available as {format}]",
            "find {author}'s books in the catalogue[, {format} only][, published after {published_after}]",
        ),
        vary="author",
    ),
    ToolSpec(
        "books.get_details",
        "books",
        "Summary, page count and subjects of a book.",
        (
            req("title", STR, "Book title.", "book"),
            flag("include_reviews", "Include reader reviews.", "with reader reviews", "without reviews"),
        ),
        ("get the details of the book {title}[ {include_reviews}]", "tell me about {title}[, {include_reviews}]"),
        vary="title",
    ),
    ToolSpec(
        "books.check_availability",
        "books",
        "Whether a book is on the shelf at a library branch.",
        (
            req("title", STR, "Book title.", "book"),
            req("branch", STR, "Library branch.", "branch"),
            choice("format", "Format.", FORMATS),
        ),
        (
            "check if {title} is available at the {branch} branch[ as {format}]",
            "see whether the {branch} library has {title}[ in {format}]",
        ),
    ),
    ToolSpec(
        "books.reserve",
        "books",
        "Place a hold on a book for pickup.",
        (
            req("isbn", STR, "ISBN-13 of the edition.", ("id", "978-#-##-######-#", "ISBN")),
            req("branch", STR, "Pickup branch.", "branch"),
            opt("pickup_date", STR, "Earliest pickup " + DATE, "date"),
        ),
        (
            "reserve the book with {isbn} for pickup at the {branch} branch[ {pickup_date}]",
            "place a hold on {isbn} at {branch}[, to collect {pickup_date}]",
        ),
    ),
    ToolSpec(
        "books.renew_loan",
        "books",
        "Extend a library loan.",
        (
            req("loan_id", STR, "Loan identifier.", ("id", "LN-#####", "loan")),
            opt("weeks", INT, "Extension in weeks, 2 to 4.", ("int", 2, 4), default=2),
        ),
        ("renew {loan_id}[ for {weeks} more weeks]", "extend {loan_id}[ by {weeks} weeks]"),
        vary="loan_id",
    ),
    ToolSpec(
        "books.recommend_similar",
        "books",
        "Books similar to a given one.",
        (
            req("title", STR, "Book title.", "book"),
            opt("count", INT, "How many suggestions, 3 to 15.", ("int", 3, 15), default=5),
        ),
        ("recommend[ {count}] books similar to {title}", "suggest what to read after {title}[, {count} titles]"),
        vary="title",
    ),
    ToolSpec(
        "books.log_reading",
        "books",
        "Log a reading session.",
        (
            req("title", STR, "Book title.", "book"),
            req("pages", INT, "Pages read.", ("int", 5, 300)),
            opt("minutes", INT, "Minutes spent reading.", "duration_min"),
        ),
        (
            "log that I read {pages} pages of {title}[ in {minutes}]",
            "record a reading session of {title}: {pages} pages[, {minutes}]",
        ),
    ),
    ToolSpec(
        "books.create_reading_list",
        "books",
        "Create a named reading list.",
        (
            req("name", STR, "List name.", "reading_list"),
            items("titles", STR, "Book titles.", ("list", "book", 2, 4)),
            flag("public", "Visible to other members.", "and make it public", "and keep it private"),
        ),
        (
            "create a reading list called {name} with {titles}[ {public}]",
            "start a reading list named {name} containing {titles}[, {public}]",
        ),
    ),
]
