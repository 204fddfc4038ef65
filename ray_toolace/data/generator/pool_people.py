"""The API pool, part 5: health, sports and job-search tools (see schema.py for the form)."""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, flag, items, obj, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."
TIME = "Time, 24-hour HH:MM."

HEALTH = [
    ToolSpec(
        "health.log_weight",
        "health",
        "Record a body-weight measurement.",
        (
            req("weight_kg", NUM, "Weight in kilograms, rounded to one decimal place.", ("weight_kg", 90, 300)),
            opt("date", STR, "Day of the measurement, " + DATE + " Today when omitted.", "past_date"),
        ),
        ("log my weight as {weight_kg}[ {date}]", "record a weigh-in of {weight_kg}[ {date}]"),
    ),
    ToolSpec(
        "health.calculate_bmi",
        "health",
        "Body-mass index from weight and height.",
        (
            req("weight_kg", NUM, "Weight in kilograms, rounded to one decimal place.", ("weight_kg", 90, 300)),
            req("height_cm", NUM, "Height in centimetres, rounded to one decimal place.", "height_cm"),
        ),
        (
            "calculate the BMI for someone who weighs {weight_kg} and is {height_cm} tall",
            "work out my body mass index: I'm {height_cm} tall and weigh {weight_kg}",
        ),
    ),
    ToolSpec(
        "health.find_doctor",
        "health",
        "Doctors of a specialty practising in a city.",
        (
            req("specialty", STR, "Medical specialty, e.g. 'dermatologist'.", "specialty"),
            req("city", STR, "City name.", "city"),
            opt("language", STR, "Language the doctor speaks.", "language"),
            flag(
                "accepting_new_patients",
                "Only doctors taking new patients.",
                "who are accepting new patients",
                "whether or not they take new patients",
            ),
        ),
        (
            "find a {specialty} in {city}[ who speaks {language}][ {accepting_new_patients}]",
            "look for {specialty} practices in {city}[, {accepting_new_patients}][, ideally speaking {language}]",
        ),
        gives="doctor_id",
    ),
    ToolSpec(
        "health.book_appointment",
        "health",
        "Book an appointment with a doctor.",
        (
            req("doctor_id", STR, "Doctor identifier.", ("id", "DR-####", "doctor")),
            req("date", STR, DATE, "date"),
            req("time", STR, TIME, "time24"),
            opt("reason", STR, "Main complaint.", "symptom"),
        ),
        (
            "book an appointment with {doctor_id} {date} at {time}[ about my {reason}]",
            "get me in to see {doctor_id} at {time} {date}[ for my {reason}]",
        ),
    ),
    ToolSpec(
        "health.check_symptoms",
        "health",
        "Possible causes and urgency for a set of symptoms.",
        (
            items("symptoms", STR, "Symptoms, in plain words.", ("list", "symptom", 1, 3)),
            req("age", INT, "Patient age in years.", ("int", 5, 90)),
            opt("duration_days", INT, "How many days the symptoms have lasted.", ("int", 2, 30)),
        ),
        (
            "check what might cause {symptoms} in a {age}-year-old[ that has lasted {duration_days} days]",
            "assess {symptoms} for a patient aged {age}[, going on for {duration_days} days]",
        ),
    ),
    ToolSpec(
        "health.set_medication_reminder",
        "health",
        "Daily reminder to take a medication.",
        (
            req("medication", STR, "Medication name.", "medication"),
            req("time", STR, TIME, "time24"),
            opt("dose_mg", INT, "Dose in milligrams.", ("int", 5, 1000)),
        ),
        (
            "remind me to take {medication} at {time} every day[, {dose_mg} mg]",
            "set a daily reminder at {time} for my[ {dose_mg} mg] {medication}",
        ),
        vary="medication",
    ),
    ToolSpec(
        "health.log_workout",
        "health",
        "Record a completed workout.",
        (
            choice(
                "activity",
                "Kind of workout.",
                {
                    "running": "running|run",
                    "cycling": "cycling|bike ride",
                    "swimming": "swimming|swim",
                    "yoga": "yoga",
                    "strength": "strength training|weights",
                },
                required=True,
            ),
            req("duration_minutes", INT, "Duration in minutes.", "duration_min"),
            opt("distance_km", NUM, "Distance in kilometres, rounded to one decimal place.", ("dist_km", 1, 40)),
        ),
        (
            "log a {activity} session of {duration_minutes}[ covering {distance_km}]",
            "record my {activity} workout: {duration_minutes}[, {distance_km}]",
        ),
    ),
    ToolSpec(
        "health.check_drug_interactions",
        "health",
        "Known interactions between medications.",
        (
            items("medications", STR, "Two or more medication names.", ("list", "medication", 2, 3)),
            flag(
                "include_minor",
                "Also list minor interactions.",
                "including minor ones|even the minor interactions",
                "only the serious ones|skipping minor interactions",
            ),
        ),
        (
            "check for interactions between {medications}[, {include_minor}]",
            "tell me whether it's safe to combine {medications}[; list interactions {include_minor}]",
        ),
    ),
    ToolSpec(
        "health.get_step_count",
        "health",
        "Steps recorded by the user's tracker on a day.",
        (
            req("date", STR, DATE, "past_date"),
            flag(
                "hourly_breakdown",
                "Split the total by hour.",
                "broken down by hour|with an hourly breakdown",
                "as a single total",
            ),
        ),
        ("get my step count {date}[ {hourly_breakdown}]", "tell me how many steps I took {date}[, {hourly_breakdown}]"),
    ),
]

SPORTS = [
    ToolSpec(
        "sports.get_scores",
        "sports",
        "Final scores of a league's games on a day.",
        (
            req("league", STR, "League name, e.g. 'NBA'.", "league"),
            opt("date", STR, "Game day, " + DATE + " The latest game day when omitted.", "past_date"),
        ),
        (
            "get the final scores of {league} games[ played {date}]",
            "show me the {league} results[ from the games {date}]",
        ),
        vary="league",
    ),
    ToolSpec(
        "sports.get_standings",
        "sports",
        "League table for a season.",
        (req("league", STR, "League name.", "league"), opt("season", INT, "Season start year.", ("year", 2010, 2024))),
        ("show the {league} standings[ for the {season} season]", "pull up the[ {season}] {league} table"),
        vary="league",
    ),
    ToolSpec(
        "sports.get_team_schedule",
        "sports",
        "A team's upcoming games.",
        (
            req("team", STR, "Team name.", "team"),
            opt("games", INT, "How many upcoming games, 2 to 10.", ("int", 2, 10), default=5),
            flag("home_only", "Only home games.", "only the home games", "home and away"),
        ),
        (
            "list the upcoming games for the {team}[, the next {games} of them][, {home_only}]",
            "get the {team} schedule[ for the next {games} games][ ({home_only})]",
        ),
        vary="team",
    ),
    ToolSpec(
        "sports.get_player_stats",
        "sports",
        "Season statistics of an athlete.",
        (
            req("player", STR, "Athlete's full name.", "athlete"),
            opt("season", INT, "Season start year.", ("year", 2010, 2024)),
            choice(
                "stat_type",
                "Statistics family.",
                {"basic": "basic", "advanced": "advanced", "career": "career"},
                default="basic",
            ),
        ),
        (
            "get[ {stat_type}] stats for {player}[ from the {season} season]",
            "look up {player}'s[ {stat_type}] numbers[ in {season}]",
        ),
        vary="player",
    ),
    ToolSpec(
        "sports.compare_teams",
        "sports",
        "Head-to-head record and form of two teams.",
        (
            req("team_a", STR, "First team.", "team"),
            req("team_b", STR, "Second team.", "team"),
            opt("last_n_games", INT, "Meetings to consider, 2 to 20.", ("int", 2, 20), default=10),
        ),
        (
            "compare the {team_a} with the {team_b}[ over their last {last_n_games} meetings]",
            "show the head-to-head record of the {team_a} against the {team_b}[ for the last {last_n_games} games]",
        ),
    ),
    ToolSpec(
        "sports.get_injury_report",
        "sports",
        "Injured and doubtful players of a team.",
        (
            req("team", STR, "Team name.", "team"),
            flag(
                "include_doubtful",
                "Also list players listed as doubtful.",
                "including doubtful players",
                "only confirmed injuries",
            ),
        ),
        (
            "get the injury report for the {team}[, {include_doubtful}]",
            "tell me who is injured on the {team}[ ({include_doubtful})]",
        ),
        vary="team",
    ),
    ToolSpec(
        "sports.book_court",
        "sports",
        "Reserve a court at the local sports centre.",
        (
            choice(
                "sport",
                "Sport.",
                {"tennis": "tennis", "padel": "padel", "squash": "squash", "badminton": "badminton"},
                required=True,
            ),
            req("date", STR, DATE, "date"),
            req("start_time", STR, TIME, "time24"),
            req("duration_minutes", INT, "Booking length in minutes.", "duration_min"),
            opt("players", INT, "Number of players, 2 to 4.", ("int", 2, 4), default=2),
        ),
        (
            "book a {sport} court {date} at {start_time} for {duration_minutes}[ for {players} players]",
            "reserve a {sport} court for {duration_minutes} starting at {start_time} {date}[, {players} of us]",
        ),
    ),
    ToolSpec(
        "sports.find_tickets",
        "sports",
        "Tickets for a team's next home game.",
        (
            req("team", STR, "Team name.", "team"),
            req("quantity", INT, "Number of tickets, 2 to 8.", ("int", 2, 8)),
            opt("max_price_each", NUM, "Highest price per ticket in US dollars.", ("money", 20, 400)),
        ),
        (
            "find {quantity} tickets for the next {team} home game[ at no more than {max_price_each} each]",
            "look for {quantity} seats at the next {team} home game[, max {max_price_each} per ticket]",
        ),
    ),
]

JOBS = [
    ToolSpec(
        "jobs.search",
        "jobs",
        "Open positions matching a title and location.",
        (
            req("title", STR, "Job title or keywords.", "job_title"),
            req("location", STR, "City name.", "city"),
            flag("remote", "Only remote-friendly roles.", "that can be done remotely|remote-friendly", "on-site"),
            opt("min_salary", NUM, "Lowest yearly salary in US dollars.", ("money", 30000, 200000)),
            choice("experience_level", "Seniority.", {"entry": "entry-level", "mid": "mid-level", "senior": "senior"}),
        ),
        (
            "search for[ {experience_level}] {title} jobs in {location}[ {remote}][ paying at least {min_salary}]",
            "find {title} openings in {location}[, {experience_level}][ with a salary of {min_salary} or more][, {remote}]",
        ),
        gives="job_id",
    ),
    ToolSpec(
        "jobs.get_posting",
        "jobs",
        "Full text of a job posting.",
        (req("job_id", STR, "Posting identifier.", ("id", "JOB-#####", "job posting")),),
        ("show me {job_id}", "open the full description of {job_id}"),
        vary="job_id",
    ),
    ToolSpec(
        "jobs.apply",
        "jobs",
        "Submit an application to a job posting.",
        (
            req("job_id", STR, "Posting identifier.", ("id", "JOB-#####", "job posting")),
            obj(
                "applicant",
                "The applicant.",
                (
                    req("full_name", STR, "Applicant's name.", "person"),
                    req("email", STR, "Applicant's email.", "email"),
                    opt("phone", STR, "Phone number.", ("id", "+1-###-###-####")),
                ),
                "{full_name} at {email}[, phone {phone}]",
            ),
            flag(
                "include_cover_letter",
                "Attach the saved cover letter.",
                "with my cover letter attached",
                "without a cover letter",
            ),
        ),
        (
            "apply to {job_id} as {applicant}[ {include_cover_letter}]",
            "submit an application for {job_id} for {applicant}[, {include_cover_letter}]",
        ),
    ),
    ToolSpec(
        "jobs.estimate_salary",
        "jobs",
        "Typical salary range for a role in a city.",
        (
            req("title", STR, "Job title.", "job_title"),
            req("city", STR, "City name.", "city"),
            opt("years_experience", INT, "Years of experience.", ("int", 2, 30)),
        ),
        (
            "estimate the salary of a {title} in {city}[ with {years_experience} years of experience]",
            "tell me what a {title} earns in {city}[ after {years_experience} years in the field]",
        ),
    ),
    ToolSpec(
        "jobs.create_alert",
        "jobs",
        "Email alerts for new postings.",
        (
            req("title", STR, "Job title or keywords.", "job_title"),
            req("location", STR, "City name.", "city"),
            choice(
                "frequency",
                "How often to send alerts.",
                {"daily": "daily|every day", "weekly": "weekly|once a week"},
                default="daily",
            ),
        ),
        (
            "set up a job alert for {title} roles in {location}[, sent {frequency}]",
            "notify me[ {frequency}] about new {title} jobs in {location}",
        ),
    ),
    ToolSpec(
        "jobs.match_skills",
        "jobs",
        "How well a list of skills fits a role, with gaps.",
        (
            items("skills", STR, "The candidate's skills.", ("list", "skill", 2, 4)),
            req("title", STR, "Target job title.", "job_title"),
        ),
        ("check how well {skills} match a {title} role", "compare my skills ({skills}) against what a {title} needs"),
    ),
    ToolSpec(
        "jobs.list_hiring_companies",
        "jobs",
        "Companies currently hiring in a city and industry.",
        (
            req("city", STR, "City name.", "city"),
            choice(
                "industry",
                "Industry.",
                {
                    "tech": "tech|technology",
                    "healthcare": "healthcare",
                    "finance": "finance|banking",
                    "education": "education",
                    "retail": "retail",
                },
                required=True,
            ),
            opt("limit", INT, "How many companies, 3 to 30.", ("int", 3, 30), default=10),
        ),
        (
            "list {industry} companies hiring in {city}[, top {limit}]",
            "show me which {industry} employers in {city} are hiring[; give me {limit} of them]",
        ),
    ),
    ToolSpec(
        "jobs.schedule_interview",
        "jobs",
        "Book an interview slot for a job application.",
        (
            req("job_id", STR, "Posting identifier.", ("id", "JOB-#####", "job posting")),
            req("date", STR, DATE, "date"),
            req("time", STR, TIME, "time24"),
            choice(
                "format",
                "Interview format.",
                {
                    "video": "by video call|over video",
                    "phone": "by phone|over the phone",
                    "onsite": "in person|on site",
                },
                default="video",
            ),
        ),
        (
            "schedule an interview for {job_id} {date} at {time}[ {format}]",
            "book my interview for {job_id} at {time} {date}[, {format}]",
        ),
    ),
]
