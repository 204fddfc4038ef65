"""Word lists the value samplers draw verbatim values from (cities, people, products, ...).

No entry contains a comma or the word "and": parallel requests list several values as
"a, b and c", and a value must never be split when the list is read back.
"""

from __future__ import annotations

VOCAB: dict[str, tuple[str, ...]] = {
    "city": (
        "Lisbon", "Madrid", "Berlin", "Rome", "Vienna", "Prague", "Oslo", "Helsinki", "Dublin", "Amsterdam",
        "Brussels", "Zurich", "Warsaw", "Budapest", "Athens", "Istanbul", "Cairo", "Nairobi", "Cape Town",
        "Lagos", "Dubai", "Mumbai", "Delhi", "Bangkok", "Singapore", "Seoul", "Tokyo", "Osaka", "Sydney",
        "Melbourne", "Auckland", "Toronto", "Vancouver", "Montreal", "Chicago", "Boston", "Seattle", "Denver",
        "Austin", "Miami", "San Diego", "Mexico City", "Bogota", "Lima", "Santiago", "Buenos Aires",
        "Sao Paulo", "Reykjavik",
    ),
    "country": (
        "Portugal", "Spain", "Germany", "Italy", "Austria", "Norway", "Ireland", "Japan", "Kenya", "Brazil",
        "Canada", "Mexico", "Australia", "India", "Thailand", "Egypt", "Chile", "Peru", "Greece", "Poland",
        "Sweden", "Vietnam", "Morocco", "New Zealand",
    ),
    "person": (
        "Maria Lopez", "James Carter", "Aiko Tanaka", "Liam O'Brien", "Priya Sharma", "Chen Wei",
        "Fatima Haddad", "Lucas Silva", "Emma Johansson", "Noah Williams", "Sofia Rossi", "Mateo Fernandez",
        "Hannah Becker", "Omar Khalid", "Grace Kim", "Daniel Novak", "Isabella Moreau", "Ethan Brooks",
        "Zara Ahmed", "Lena Fischer", "Kwame Mensah", "Olivia Turner", "Ravi Patel", "Elena Petrova",
    ),
    "email": (
        "maria.lopez@example.com", "j.carter@example.org", "aiko.t@example.net", "priya.sharma@example.com",
        "chen.wei@example.org", "lucas.silva@example.com", "emma.j@example.net", "noah.w@example.com",
        "sofia.rossi@example.org", "hannah.becker@example.com", "omar.k@example.net", "grace.kim@example.com",
        "team-leads@example.com", "billing@example.org", "support@example.net",
    ),
    "company": (
        "Northwind Traders", "Globex", "Initech", "Umbrella Labs", "Stark Logistics", "Acme Robotics",
        "Blue Harbor Foods", "Vertex Analytics", "Pinecrest Health", "Brightline Energy", "Summit Outdoor",
        "Quantum Freight", "Redwood Media", "Silverleaf Bank",
    ),
    "ticker": (
        "AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "TSLA", "META", "NFLX", "JPM", "KO", "DIS", "INTC", "AMD",
        "IBM", "V",
    ),
    "coin": ("BTC", "ETH", "SOL", "ADA", "DOGE", "XRP", "DOT", "LTC", "AVAX", "LINK"),
    "currency": ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR", "BRL", "MXN", "SEK", "NZD"),
    "airport": (
        "LIS", "MAD", "BER", "FCO", "VIE", "JFK", "LAX", "ORD", "SFO", "SEA", "NRT", "HND", "SYD", "YYZ",
        "DXB", "SIN", "LHR", "CDG", "AMS", "MEX",
    ),
    "language": (
        "French", "Spanish", "German", "Italian", "Portuguese", "Japanese", "Korean", "Mandarin", "Arabic",
        "Hindi", "Dutch", "Swedish", "Polish", "Turkish", "Greek", "Vietnamese",
    ),
    "phrase": (
        "Where is the train station?", "I would like a table for two.", "How much does this cost?",
        "Thank you for your help.", "The meeting has been moved to Thursday.", "Please call me back.",
        "Is breakfast included?", "I am allergic to peanuts.", "Good morning everyone",
        "Can you recommend a good restaurant?", "My luggage did not arrive.", "Happy birthday!",
    ),
    "word": (
        "serendipity", "ephemeral", "resilient", "ubiquitous", "meticulous", "eloquent", "candid",
        "pragmatic", "lucid", "benevolent", "tenacious", "whimsical",
    ),
    "product": (
        "wireless earbuds", "espresso machine", "standing desk", "running shoes", "yoga mat",
        "mechanical keyboard", "air fryer", "backpack", "noise-cancelling headphones", "smart watch",
        "electric kettle", "desk lamp", "water bottle", "office chair", "blender", "rain jacket",
    ),
    "brand": ("Acme", "Nordic Gear", "Luma", "Vanta", "Orbit", "Kestrel", "Tidewater", "Halcyon"),
    "genre": (
        "jazz", "rock", "hip hop", "classical", "pop", "electronic", "folk", "reggae", "blues", "country",
        "soul", "metal",
    ),
    "movie_genre": (
        "comedy", "thriller", "drama", "horror", "science fiction", "documentary", "animation", "romance",
        "action", "mystery",
    ),
    "artist": (
        "Nina Simone", "Miles Davis", "Radiohead", "Daft Punk", "Adele", "Fleetwood Mac", "Bob Marley",
        "Taylor Swift", "Kendrick Lamar", "Norah Jones", "Coldplay", "Billie Eilish", "The Beatles", "Bjork",
    ),
    "song": (
        "Feeling Good", "So What", "Karma Police", "Get Lucky", "Rolling in the Deep", "Dreams",
        "Redemption Song", "Clocks", "Bad Guy", "Yesterday",
    ),
    "playlist": (
        "Morning Run", "Focus Flow", "Sunday Chill", "Road Trip", "Dinner Party", "Deep Work", "Throwbacks",
    ),
    "movie": (
        "The Grand Budapest Hotel", "Inception", "Spirited Away", "Parasite", "The Matrix", "Amelie",
        "Arrival", "Coco", "Whiplash", "Moonlight", "Interstellar", "Roma", "Up", "Her",
    ),
    "actor": (
        "Meryl Streep", "Denzel Washington", "Tilda Swinton", "Song Kang-ho", "Cate Blanchett",
        "Mahershala Ali", "Penelope Cruz", "Tom Hanks", "Viola Davis", "Keanu Reeves",
    ),
    "team": (
        "Boston Celtics", "Golden State Warriors", "Real Madrid", "FC Barcelona", "Manchester City",
        "Bayern Munich", "New York Yankees", "Chicago Cubs", "Green Bay Packers", "Kansas City Chiefs",
        "Toronto Maple Leafs", "Juventus", "Ajax", "Benfica",
    ),
    "athlete": (
        "Serena Williams", "Lionel Messi", "LeBron James", "Usain Bolt", "Simone Biles", "Novak Djokovic",
        "Shohei Ohtani", "Megan Rapinoe", "Eliud Kipchoge", "Naomi Osaka",
    ),
    "league": ("NBA", "NFL", "MLB", "NHL", "Premier League", "La Liga", "Serie A", "Bundesliga", "MLS"),
    "cuisine": (
        "Italian", "Mexican", "Thai", "Japanese", "Indian", "Greek", "Lebanese", "Korean", "Ethiopian",
        "Vietnamese", "Peruvian", "French",
    ),
    "ingredient": (
        "chickpeas", "spinach", "salmon", "tofu", "mushrooms", "sweet potato", "lentils", "chicken thighs",
        "zucchini", "feta", "quinoa", "eggplant", "shrimp", "black beans", "avocado", "basil", "ginger",
        "coconut milk",
    ),
    "dish": (
        "lasagna", "pad thai", "shakshuka", "ramen", "paella", "chili", "risotto", "tacos", "moussaka",
        "banana bread", "falafel", "pho",
    ),
    "job_title": (
        "data analyst", "software engineer", "nurse", "product manager", "graphic designer", "accountant",
        "electrician", "teacher", "marketing coordinator", "mechanical engineer", "sous chef", "paralegal",
    ),
    "skill": (
        "Python", "SQL", "Excel", "project management", "Figma", "public speaking", "Spanish", "Kubernetes",
        "copywriting", "bookkeeping", "React", "customer service",
    ),
    "subject": (
        "linear algebra", "organic chemistry", "world history", "statistics", "microeconomics",
        "creative writing", "astronomy", "machine learning", "music theory", "French grammar", "biology",
        "philosophy",
    ),
    "device": (
        "living room lights", "kitchen lights", "bedroom lamp", "porch light", "hallway lights", "thermostat",
        "garage door", "front door lock", "robot vacuum", "ceiling fan", "dishwasher", "sprinkler system",
    ),
    "room": (
        "living room", "kitchen", "bedroom", "office", "hallway", "basement", "garage", "nursery",
        "dining room", "bathroom",
    ),
    "street": (
        "12 Baker Street", "450 Market Street", "88 Harbor Road", "7 Elm Avenue", "1024 Pine Lane",
        "31 Rua Augusta", "5 Kingsway", "220 Oak Boulevard", "19 Canal Street", "63 Maple Drive",
    ),
    "place": (
        "Central Station", "the Louvre", "Golden Gate Park", "Union Square", "the city library",
        "Times Square", "the airport", "Old Town Square", "the convention center", "Riverside Park",
        "the university campus",
    ),
    "topic": (
        "climate policy", "artificial intelligence", "electric vehicles", "space exploration",
        "public health", "housing market", "renewable energy", "elections", "cybersecurity",
        "ocean conservation",
    ),
    "news_source": (
        "Reuters", "Associated Press", "BBC News", "Al Jazeera", "The Guardian", "Bloomberg", "NPR",
    ),
    "book": (
        "Jane Eyre", "The Left Hand of Darkness", "Beloved", "Dune", "The Remains of the Day",
        "Things Fall Apart", "Middlemarch", "Kindred", "The Road", "Persuasion", "Invisible Cities",
        "Piranesi",
    ),
    "author": (
        "Jane Austen", "Ursula K. Le Guin", "Toni Morrison", "Frank Herbert", "Kazuo Ishiguro",
        "Chinua Achebe", "George Eliot", "Octavia Butler", "Italo Calvino", "Susanna Clarke",
    ),
    "symptom": (
        "headache", "sore throat", "fever", "dry cough", "back pain", "fatigue", "nausea", "dizziness",
        "runny nose", "joint pain",
    ),
    "medication": (
        "ibuprofen", "acetaminophen", "amoxicillin", "loratadine", "omeprazole", "metformin", "lisinopril",
        "cetirizine", "atorvastatin",
    ),
    "specialty": (
        "dermatologist", "cardiologist", "pediatrician", "dentist", "physiotherapist", "optometrist",
        "general practitioner", "orthopedist",
    ),
    "hashtag": (
        "#travel", "#foodie", "#fitness", "#photography", "#sustainability", "#booklover", "#techtalk",
    ),
    "username": (
        "maria_codes", "jcarter88", "aiko.draws", "priya_runs", "chenwei_dev", "lucas.travels", "emma_reads",
        "noah.builds",
    ),
    "neighborhood": (
        "Alfama", "Kreuzberg", "Trastevere", "Shoreditch", "Le Marais", "Williamsburg", "Shibuya", "Palermo",
        "Gracia", "Jordaan",
    ),
    "event": (
        "team offsite", "dentist appointment", "quarterly review", "yoga class", "parent-teacher meeting",
        "book club", "project kickoff", "dinner with Sam", "flight to Denver", "piano lesson",
    ),
    "subject_line": (
        "Quarterly report draft", "Lunch on Friday?", "Updated itinerary", "Invoice 2291",
        "Welcome to the team", "Meeting notes", "Contract renewal", "Weekend plans",
    ),
    "message": (
        "Running ten minutes late", "Please review the attached proposal",
        "Thanks for the great session today", "Can we push our call back an hour?",
        "The package arrived safely", "See you at the kickoff",
    ),
    "course": (
        "Intro to Data Science", "Calculus I", "Conversational Spanish", "Web Development Basics",
        "Financial Accounting", "Digital Photography", "Modern Poetry", "Organic Gardening",
    ),
    "university": (
        "University of Lisbon", "ETH Zurich", "University of Toronto", "Seoul National University",
        "University of Cape Town", "Trinity College Dublin", "University of Melbourne",
    ),
    "color": ("red", "blue", "green", "black", "white", "silver", "navy", "beige"),
    "size": ("XS", "S", "M", "L", "XL"),
    "amenity": (
        "pool", "gym", "parking", "balcony", "elevator", "garden", "air conditioning", "dishwasher",
        "fireplace",
    ),
    "tag": ("urgent", "personal", "work", "follow-up", "receipts", "travel", "family", "newsletters"),
    "station": (
        "Central Station", "Union Station", "North Terminal", "Harbor Station", "Airport Station",
        "Old Town Station",
    ),
    "interest": (
        "museums", "hiking", "street food", "architecture", "nightlife", "beaches", "history",
        "art galleries", "markets", "live music",
    ),
    "watchlist": ("Tech", "Dividends", "Long Term", "Energy", "Healthcare", "Watch Closely"),
    "routine": ("Good Morning", "Movie Night", "Leaving Home", "Bedtime", "Welcome Home", "Weekend Wake-up"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "verb": (
        "eat", "speak", "go", "have", "be", "write", "read", "sleep", "drink", "travel", "learn", "open",
    ),
    "branch": ("Central", "Riverside", "Northgate", "Harbor", "Eastside", "Old Town", "University"),
    "glossary": (
        "Legal Terms", "Product Names", "Medical Terms", "Marketing Copy", "Support Macros",
        "Engineering Jargon",
    ),
    "reading_list": (
        "Summer Reads", "Book Club Picks", "Classics", "To Read Next", "Sci-Fi Favorites", "Gifts for Mom",
    ),
    "light": (
        "living room lights", "kitchen lights", "bedroom lamp", "porch light", "hallway lights", "desk lamp",
        "garden lights", "reading light",
    ),
}
