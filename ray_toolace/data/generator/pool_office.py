"""The API pool, part 6: calendar, email and education tools (see schema.py for the form)."""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, flag, items, obj, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."
TIME = "Time, 24-hour HH:MM."
FOLDERS = {
    "archive": "archive|archive folder",
    "spam": "spam folder",
    "trash": "trash",
    "important": "important folder",
}

CALENDAR = [
    ToolSpec(
        "calendar.create_event",
        "calendar",
        "Add an event to the user's calendar.",
        (
            req("title", STR, "Event title.", "event"),
            req("date", STR, DATE, "date"),
            req("start_time", STR, "Start " + TIME, "time24"),
            opt("duration_minutes", INT, "Length in minutes.", "duration_min", default=60),
            items("attendees", STR, "Email addresses to invite.", ("list", "email", 1, 3), required=False),
            opt("location", STR, "Where it takes place.", "place"),
        ),
        (
            "add {title} to my calendar {date} at {start_time}[ for {duration_minutes}][ and invite {attendees}][ at {location}]",
            "schedule {title} {date} starting at {start_time}[, lasting {duration_minutes}][, located at {location}][, with {attendees} invited]",
        ),
    ),
    ToolSpec(
        "calendar.list_events",
        "calendar",
        "Events on the user's calendar for a day.",
        (
            req("date", STR, DATE, "date"),
            choice("calendar", "Which calendar.", {"work": "work", "personal": "personal", "family": "family"}),
        ),
        ("show what's on my[ {calendar}] calendar {date}", "list my[ {calendar}] events {date}"),
        gives="event_id",
    ),
    ToolSpec(
        "calendar.find_free_slot",
        "calendar",
        "First time slot when all attendees are free on a day.",
        (
            req("date", STR, DATE, "date"),
            req("duration_minutes", INT, "Length of the slot in minutes.", "duration_min"),
            items("attendees", STR, "Email addresses that must be free.", ("list", "email", 1, 3)),
        ),
        (
            "find a free slot of {duration_minutes} {date} when {attendees} are all available",
            "look for {duration_minutes} {date} that works for {attendees}",
        ),
    ),
    ToolSpec(
        "calendar.delete_event",
        "calendar",
        "Remove an event from the calendar.",
        (
            req("event_id", STR, "Event identifier.", ("id", "EV-######", "event")),
            flag(
                "notify_attendees",
                "Send cancellation notices.",
                "and let the attendees know|and notify everyone invited",
                "without notifying anyone|quietly, no notifications",
            ),
        ),
        ("delete {event_id}[ {notify_attendees}]", "cancel {event_id} on my calendar[, {notify_attendees}]"),
    ),
    ToolSpec(
        "calendar.reschedule_event",
        "calendar",
        "Move an event to a new day and time.",
        (
            req("event_id", STR, "Event identifier.", ("id", "EV-######", "event")),
            req("new_date", STR, DATE, "date"),
            req("new_start_time", STR, "New start " + TIME, "time24"),
        ),
        (
            "move {event_id} to {new_start_time} {new_date}",
            "reschedule {event_id} so it starts at {new_start_time} {new_date}",
        ),
    ),
    ToolSpec(
        "calendar.set_reminder",
        "calendar",
        "A one-off reminder at a date and time.",
        (
            req("text", STR, "What to be reminded of.", "event"),
            req("date", STR, DATE, "date"),
            req("time", STR, TIME, "time24"),
        ),
        ("remind me about the {text} {date} at {time}", "set a reminder for {time} {date} about the {text}"),
    ),
    ToolSpec(
        "calendar.create_recurring_event",
        "calendar",
        "An event that repeats at a fixed frequency.",
        (
            req("title", STR, "Event title.", "event"),
            req("start_date", STR, "First occurrence, " + DATE, "date"),
            req("time", STR, "Start " + TIME, "time24"),
            choice(
                "frequency",
                "Repeat frequency.",
                {"daily": "every day|daily", "weekly": "every week|weekly", "monthly": "every month|monthly"},
                required=True,
            ),
            opt("occurrences", INT, "How many times in total, 2 to 20.", ("int", 2, 20)),
        ),
        (
            "set up {title} {frequency} at {time} starting {start_date}[ for {occurrences} occurrences]",
            "create a recurring {title} at {time}, repeating {frequency}, beginning {start_date}[, {occurrences} times in total]",
        ),
    ),
    ToolSpec(
        "calendar.share",
        "calendar",
        "Share the calendar with someone.",
        (
            req("email", STR, "Email of the person to share with.", "email"),
            choice(
                "permission",
                "Access level.",
                {"view": "view-only|read-only", "edit": "edit|full editing"},
                default="view",
            ),
        ),
        (
            "share my calendar with {email}[ with {permission} access]",
            "give {email}[ {permission}] access to my calendar",
        ),
        vary="email",
    ),
]

EMAIL = [
    ToolSpec(
        "email.send",
        "email",
        "Send an email now.",
        (
            items("to", STR, "Recipient addresses.", ("list", "email", 1, 2)),
            req("subject", STR, "Subject line.", "subject_line"),
            req("body", STR, "Message text.", "message"),
            items("cc", STR, "Addresses to copy.", ("list", "email", 1, 2), required=False),
        ),
        (
            "send an email to {to} with the subject {subject} saying {body}[, cc'ing {cc}]",
            "email {to}[ (cc {cc})] with subject line {subject} and the message {body}",
        ),
    ),
    ToolSpec(
        "email.search_inbox",
        "email",
        "Search the mailbox.",
        (
            req("query", STR, "Words to search for.", "subject_line"),
            opt("sender", STR, "Only mail from this address.", "email"),
            opt("received_after", STR, "Only mail received on or after this date, " + DATE, "past_date"),
            flag("unread_only", "Only unread messages.", "that I haven't read yet|unread only", "read or unread"),
        ),
        (
            "search my inbox for {query}[ from {sender}][ received {received_after} or later][, {unread_only}]",
            "find emails matching {query}[ sent by {sender}][ {unread_only}][ since {received_after}]",
        ),
        gives="message_id",
    ),
    ToolSpec(
        "email.reply",
        "email",
        "Reply to a message.",
        (
            req("message_id", STR, "Message identifier.", ("id", "MSG-#######", "message")),
            req("body", STR, "Reply text.", "message"),
            flag(
                "reply_all",
                "Reply to all recipients.",
                "to everyone on the thread|replying all",
                "only to the sender|just to the sender",
            ),
        ),
        ("reply to {message_id} with {body}[ {reply_all}]", "answer {message_id}[ {reply_all}] saying {body}"),
    ),
    ToolSpec(
        "email.move",
        "email",
        "Move a message to a folder.",
        (
            req("message_id", STR, "Message identifier.", ("id", "MSG-#######", "message")),
            choice("folder", "Destination folder.", FOLDERS, required=True),
        ),
        ("move {message_id} to the {folder}", "put {message_id} in the {folder}"),
        vary="message_id",
    ),
    ToolSpec(
        "email.create_filter",
        "email",
        "A rule applied to incoming mail from a sender.",
        (
            req("sender", STR, "Sender address the rule matches.", "email"),
            choice(
                "action",
                "What to do with matching mail.",
                {"archive": "archive", "delete": "delete", "label": "label", "star": "star"},
                required=True,
            ),
            opt("label", STR, "Label to apply when the action is 'label'.", "tag"),
        ),
        (
            "create a filter to {action} all mail from {sender}[ with the tag {label}]",
            "automatically {action} incoming messages from {sender}[, using the label {label}]",
        ),
    ),
    ToolSpec(
        "email.schedule_send",
        "email",
        "Send an email later at a set time.",
        (
            items("to", STR, "Recipient addresses.", ("list", "email", 1, 2)),
            req("subject", STR, "Subject line.", "subject_line"),
            req("body", STR, "Message text.", "message"),
            req("send_date", STR, DATE, "date"),
            req("send_time", STR, TIME, "time24"),
        ),
        (
            "schedule an email to {to} for {send_time} {send_date} with the subject {subject} and the text {body}",
            "queue a message to {to}, subject {subject}, body {body}, to go out {send_date} at {send_time}",
        ),
    ),
    ToolSpec(
        "email.set_auto_reply",
        "email",
        "Out-of-office auto reply for a number of days.",
        (
            req("start_date", STR, "First day, " + DATE, "date"),
            req("days", INT, "How many days it stays on, 2 to 30.", ("int", 2, 30)),
            req("message", STR, "Auto-reply text.", "message"),
        ),
        (
            "turn on an out-of-office reply starting {start_date} for {days} days saying {message}",
            "set my auto-reply to {message} for {days} days beginning {start_date}",
        ),
    ),
    ToolSpec(
        "email.add_contact",
        "email",
        "Save a contact to the address book.",
        (
            obj(
                "contact",
                "The contact.",
                (
                    req("name", STR, "Full name.", "person"),
                    req("email", STR, "Email address.", "email"),
                    opt("phone", STR, "Phone number.", ("id", "+1-###-###-####")),
                ),
                "{name} ({email}[, phone {phone}])",
            ),
            choice("group", "Address-book group.", {"work": "work", "family": "family", "friends": "friends"}),
        ),
        ("add {contact} to my contacts[ in the {group} group]", "save {contact} as a new contact[ under {group}]"),
    ),
]

EDUCATION = [
    ToolSpec(
        "education.search_courses",
        "education",
        "Online courses on a subject.",
        (
            req("subject", STR, "Subject to study.", "subject"),
            choice(
                "level",
                "Course level.",
                {"beginner": "beginner|introductory", "intermediate": "intermediate", "advanced": "advanced"},
            ),
            opt("max_price", NUM, "Highest price in US dollars.", ("money", 10, 400)),
            flag(
                "with_certificate",
                "Only courses that award a certificate.",
                "that come with a certificate|offering a certificate",
                "certificate or not",
            ),
        ),
        (
            "find[ {level}] courses on {subject}[ under {max_price}][ {with_certificate}]",
            "search for online {subject} classes[ at the {level} level][, {with_certificate}][, costing at most {max_price}]",
        ),
        gives="course_id",
    ),
    ToolSpec(
        "education.enroll",
        "education",
        "Enroll a student in a course.",
        (
            req("course_id", STR, "Course identifier.", ("id", "CRS-####", "course")),
            req("student_email", STR, "Student's email.", "email"),
            flag("audit_only", "Enroll without grades or certificate.", "as an auditor|just to audit it", "for credit"),
        ),
        (
            "enroll {student_email} in {course_id}[ {audit_only}]",
            "sign up {student_email} for {course_id}[, {audit_only}]",
        ),
    ),
    ToolSpec(
        "education.get_grades",
        "education",
        "A student's grades for a term.",
        (
            req("student_id", STR, "Student identifier.", ("id", "STU-#####", "student")),
            choice("term", "Academic term.", {"fall": "fall", "spring": "spring", "summer": "summer"}),
            opt("year", INT, "Academic year.", ("year", 2018, 2025)),
        ),
        (
            "get the grades for {student_id}[ for the {term} term][ of {year}]",
            "show me {student_id}'s[ {term}] report card[ from {year}]",
        ),
        vary="student_id",
    ),
    ToolSpec(
        "education.make_flashcards",
        "education",
        "Generate study flashcards on a topic.",
        (
            req("topic", STR, "Topic.", "subject"),
            req("count", INT, "Number of cards, 5 to 50.", ("int", 5, 50)),
            choice(
                "difficulty",
                "Difficulty.",
                {"easy": "easy", "medium": "medium", "hard": "hard|challenging"},
                default="medium",
            ),
        ),
        (
            "make {count} flashcards on {topic}[ at {difficulty} difficulty]",
            "create a deck of {count}[ {difficulty}] flashcards about {topic}",
        ),
        vary="topic",
    ),
    ToolSpec(
        "education.book_tutor",
        "education",
        "Book a tutoring session.",
        (
            req("subject", STR, "Subject.", "subject"),
            req("date", STR, DATE, "date"),
            req("time", STR, TIME, "time24"),
            req("duration_minutes", INT, "Session length in minutes.", "duration_min"),
            flag("online", "Hold the session online.", "online|over video", "in person|face to face"),
        ),
        (
            "book a {subject} tutor {date} at {time} for {duration_minutes}[, {online}]",
            "set up a tutoring session in {subject}[ {online}] for {duration_minutes} at {time} {date}",
        ),
    ),
    ToolSpec(
        "education.find_universities",
        "education",
        "Universities offering a program in a country.",
        (
            req("country", STR, "Country.", "country"),
            req("program", STR, "Field of study.", "subject"),
            opt("max_tuition", NUM, "Highest yearly tuition in US dollars.", ("money", 1000, 60000)),
        ),
        (
            "find universities in {country} that offer {program}[ with tuition under {max_tuition} a year]",
            "list schools in {country} with a {program} program[, max {max_tuition} per year in fees]",
        ),
    ),
    ToolSpec(
        "education.get_deadlines",
        "education",
        "Assignment deadlines in the coming days.",
        (
            req("days_ahead", INT, "How many days ahead to look, 2 to 30.", ("int", 2, 30)),
            opt("course_id", STR, "Only this course.", ("id", "CRS-####", "course")),
        ),
        (
            "list my assignment deadlines for the next {days_ahead} days[ in {course_id}]",
            "show what's due in the coming {days_ahead} days[ for {course_id}]",
        ),
    ),
    ToolSpec(
        "education.make_quiz",
        "education",
        "Generate a practice quiz.",
        (
            req("subject", STR, "Subject.", "subject"),
            req("questions", INT, "Number of questions, 3 to 30.", ("int", 3, 30)),
            choice(
                "question_type",
                "Question format.",
                {"multiple_choice": "multiple-choice", "true_false": "true/false", "short_answer": "short-answer"},
                default="multiple_choice",
            ),
        ),
        (
            "make a {questions}-question[ {question_type}] quiz on {subject}",
            "generate a practice quiz about {subject} with {questions}[ {question_type}] questions",
        ),
    ),
]
