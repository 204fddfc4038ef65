"""The API pool, part 7: music, movie and news tools (see schema.py for the form)."""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, flag, items, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."

MUSIC = [
    ToolSpec(
        "music.play_song",
        "music",
        "Play a song on the user's speaker.",
        (
            req("song", STR, "Song title.", "song"),
            opt("artist", STR, "Performing artist.", "artist"),
            flag("repeat", "Loop the song.", "on repeat|and keep it on loop", "just once|without repeating"),
        ),
        ("play {song}[ by {artist}][ {repeat}]", "put on {song}[ from {artist}][, {repeat}]"),
    ),
    ToolSpec(
        "music.search_tracks",
        "music",
        "Tracks by an artist.",
        (
            req("artist", STR, "Artist name.", "artist"),
            opt("limit", INT, "How many tracks, 3 to 50.", ("int", 3, 50), default=10),
            choice(
                "sort",
                "Result order.",
                {"popularity": "most popular first|by popularity", "release_date": "newest first|by release date"},
                default="popularity",
            ),
        ),
        (
            "find[ {limit}] tracks by {artist}[, {sort}]",
            "search for songs from {artist}[ sorted {sort}][, up to {limit}]",
        ),
        vary="artist",
    ),
    ToolSpec(
        "music.create_playlist",
        "music",
        "Create a playlist from songs.",
        (
            req("name", STR, "Playlist name.", "playlist"),
            items("songs", STR, "Song titles to include.", ("list", "song", 2, 4)),
            flag(
                "public",
                "Make the playlist public.",
                "and make it public|visible to everyone",
                "and keep it private|private",
            ),
        ),
        (
            "create a playlist called {name} with {songs}[ {public}]",
            "make a new playlist named {name} containing {songs}[, {public}]",
        ),
    ),
    ToolSpec(
        "music.add_to_playlist",
        "music",
        "Append a song to an existing playlist.",
        (req("playlist", STR, "Playlist name.", "playlist"), req("song", STR, "Song title.", "song")),
        ("add {song} to my {playlist} playlist", "put {song} on the playlist {playlist}"),
    ),
    ToolSpec(
        "music.get_lyrics",
        "music",
        "Lyrics of a song.",
        (req("song", STR, "Song title.", "song"), opt("artist", STR, "Artist, to disambiguate.", "artist")),
        ("get the lyrics of {song}[ by {artist}]", "show me the words to {song}[ by {artist}]"),
        vary="song",
    ),
    ToolSpec(
        "music.find_concerts",
        "music",
        "Upcoming concerts of an artist.",
        (
            req("artist", STR, "Artist name.", "artist"),
            opt("city", STR, "Only concerts in this city.", "city"),
            opt("within_days", INT, "Only concerts within this many days, 7 to 365.", ("int", 7, 365)),
        ),
        (
            "find upcoming {artist} concerts[ in {city}][ within the next {within_days} days]",
            "check whether {artist} is playing live[ in {city}][ in the next {within_days} days]",
        ),
        vary="artist",
    ),
    ToolSpec(
        "music.recommend",
        "music",
        "Song recommendations for a genre and mood.",
        (
            req("genre", STR, "Music genre.", "genre"),
            choice(
                "mood",
                "Mood.",
                {
                    "calm": "calm|relaxing",
                    "energetic": "energetic|upbeat",
                    "melancholic": "melancholic|sad",
                    "romantic": "romantic",
                },
            ),
            opt("count", INT, "How many songs, 3 to 25.", ("int", 3, 25), default=10),
        ),
        (
            "recommend[ {count}][ {mood}] {genre} songs",
            "suggest some {genre} music[ that feels {mood}][, {count} tracks]",
        ),
        vary="genre",
    ),
    ToolSpec(
        "music.set_sleep_timer",
        "music",
        "Stop playback after a delay.",
        (
            req("minutes", INT, "Minutes until playback stops.", "duration_min"),
            flag(
                "fade_out",
                "Fade the volume out at the end.",
                "with a fade-out|fading out gently",
                "stopping abruptly|without fading",
            ),
        ),
        ("set a sleep timer for {minutes}[ {fade_out}]", "stop the music after {minutes}[, {fade_out}]"),
    ),
]

MOVIES = [
    ToolSpec(
        "movies.find_showtimes",
        "movies",
        "Cinema showtimes of a film in a city.",
        (
            req("title", STR, "Film title.", "movie"),
            req("city", STR, "City name.", "city"),
            opt("date", STR, DATE + " Today when omitted.", "date"),
            choice("format", "Screening format.", {"standard": "standard|regular", "imax": "IMAX", "3d": "3D"}),
        ),
        (
            "find showtimes for {title} in {city}[ {date}][ in {format}]",
            "check when {title} is playing in {city}[ {date}][, {format} screenings]",
        ),
        gives="showtime_id",
    ),
    ToolSpec(
        "movies.buy_tickets",
        "movies",
        "Buy cinema tickets for a showtime.",
        (
            req("showtime_id", STR, "Showtime identifier.", ("id", "SHW-#####", "showtime")),
            req("tickets", INT, "Number of tickets, 2 to 8.", ("int", 2, 8)),
            choice(
                "seat_type", "Seat type.", {"standard": "standard", "premium": "premium|recliner"}, default="standard"
            ),
        ),
        (
            "buy {tickets} tickets for {showtime_id}[ with {seat_type} seats]",
            "get me {tickets}[ {seat_type}] seats for {showtime_id}",
        ),
    ),
    ToolSpec(
        "movies.get_details",
        "movies",
        "Plot, runtime, director and rating of a film.",
        (
            req("title", STR, "Film title.", "movie"),
            flag("include_cast", "Include the cast list.", "including the cast|with the full cast", "without the cast"),
        ),
        ("get the details of {title}[ {include_cast}]", "tell me about the film {title}[, {include_cast}]"),
        vary="title",
    ),
    ToolSpec(
        "movies.search_by_actor",
        "movies",
        "Films featuring an actor.",
        (
            req("actor", STR, "Actor's name.", "actor"),
            opt("released_after", INT, "Only films released after this year.", ("year", 1980, 2020)),
            opt("genre", STR, "Only this genre.", "movie_genre"),
        ),
        (
            "find movies starring {actor}[ released after {released_after}][ in the {genre} genre]",
            "list {actor}'s[ {genre}] films[ that came out after {released_after}]",
        ),
        vary="actor",
    ),
    ToolSpec(
        "movies.recommend",
        "movies",
        "Film recommendations by genre and rating.",
        (
            req("genre", STR, "Film genre.", "movie_genre"),
            opt("min_rating", NUM, "Lowest average rating out of 10.", ("num", 5, 9, 1)),
            opt("max_runtime_minutes", INT, "Longest runtime in minutes.", ("int", 80, 180)),
        ),
        (
            "recommend a {genre} movie[ rated at least {min_rating}][ under {max_runtime_minutes} minutes long]",
            "suggest some {genre} films[ shorter than {max_runtime_minutes} minutes][ with a rating of {min_rating} or more]",
        ),
        vary="genre",
    ),
    ToolSpec(
        "movies.where_to_stream",
        "movies",
        "Streaming services that carry a film.",
        (req("title", STR, "Film title.", "movie"), opt("country", STR, "Country of the user's account.", "country")),
        (
            "find out where I can stream {title}[ in {country}]",
            "check which services have {title}[ available in {country}]",
        ),
        vary="title",
    ),
    ToolSpec(
        "movies.add_to_watchlist",
        "movies",
        "Save films to the user's watchlist.",
        (items("titles", STR, "Film titles.", ("list", "movie", 1, 3)),),
        ("add {titles} to my watchlist", "save {titles} to my movie watchlist"),
    ),
    ToolSpec(
        "movies.rate",
        "movies",
        "Rate a film out of ten.",
        (
            req("title", STR, "Film title.", "movie"),
            req("rating", INT, "Score, 1 to 10.", ("int", 2, 10)),
            flag("spoiler_free", "Mark the rating as spoiler-free.", "and mark it spoiler-free", "and allow spoilers"),
        ),
        (
            "rate {title} {rating} out of 10[ {spoiler_free}]",
            "give {title} a score of {rating} out of ten[, {spoiler_free}]",
        ),
    ),
]

NEWS = [
    ToolSpec(
        "news.get_headlines",
        "news",
        "Top headlines in a category.",
        (
            choice(
                "category",
                "News section.",
                {
                    "world": "world",
                    "business": "business",
                    "technology": "technology|tech",
                    "science": "science",
                    "sports": "sports",
                    "health": "health",
                    "entertainment": "entertainment",
                },
                required=True,
            ),
            opt("country", STR, "Country edition.", "country"),
            opt("limit", INT, "How many headlines, 3 to 30.", ("int", 3, 30), default=10),
        ),
        (
            "get the top {category} headlines[ in {country}][, {limit} of them]",
            "show me[ {limit}] {category} news headlines[ from {country}]",
        ),
    ),
    ToolSpec(
        "news.search_articles",
        "news",
        "Search news articles about a topic.",
        (
            req("topic", STR, "Topic or keywords.", "topic"),
            opt("published_after", STR, "Only articles from this date on, " + DATE, "past_date"),
            opt("source", STR, "Only this outlet.", "news_source"),
            choice(
                "sort_by",
                "Result order.",
                {
                    "relevance": "most relevant first",
                    "newest": "newest first|latest first",
                    "popularity": "most popular first",
                },
                default="relevance",
            ),
        ),
        (
            "search for news about {topic}[ from {source}][ published {published_after} or later][, {sort_by}]",
            "find articles on {topic}[, {sort_by}][, only from {source}][, going back to {published_after}]",
        ),
        gives="article_id",
        vary="topic",
    ),
    ToolSpec(
        "news.subscribe",
        "news",
        "Email digest about a topic.",
        (
            req("topic", STR, "Topic.", "topic"),
            req("email", STR, "Where to send the digest.", "email"),
            choice(
                "frequency",
                "Digest frequency.",
                {"daily": "daily|every day", "weekly": "weekly|once a week"},
                default="daily",
            ),
        ),
        ("subscribe {email} to a[ {frequency}] digest about {topic}", "send {email} news on {topic}[ {frequency}]"),
    ),
    ToolSpec(
        "news.summarize",
        "news",
        "Summary of an article.",
        (
            req("article_id", STR, "Article identifier.", ("id", "ART-######", "article")),
            opt("max_sentences", INT, "Longest summary in sentences, 2 to 10.", ("int", 2, 10), default=3),
        ),
        (
            "summarize {article_id}[ in {max_sentences} sentences]",
            "give me a short summary of {article_id}[, at most {max_sentences} sentences]",
        ),
        vary="article_id",
    ),
    ToolSpec(
        "news.get_trending",
        "news",
        "Stories trending in a country.",
        (
            req("country", STR, "Country.", "country"),
            opt("hours", INT, "Look-back window in hours, 2 to 48.", ("int", 2, 48), default=24),
        ),
        (
            "show the trending stories in {country}[ over the last {hours} hours]",
            "find what's trending in the news in {country}[ for the past {hours} hours]",
        ),
        vary="country",
    ),
    ToolSpec(
        "news.get_local",
        "news",
        "Local news for a city.",
        (
            req("city", STR, "City name.", "city"),
            opt("limit", INT, "How many stories, 3 to 20.", ("int", 3, 20), default=5),
        ),
        ("get local news for {city}[, {limit} stories]", "show me[ {limit}] local stories from {city}"),
        vary="city",
    ),
    ToolSpec(
        "news.save_article",
        "news",
        "Save an article to read later.",
        (
            req("article_id", STR, "Article identifier.", ("id", "ART-######", "article")),
            opt("folder", STR, "Reading-list folder.", "tag"),
        ),
        ("save {article_id} for later[ in my {folder} folder]", "bookmark {article_id}[ under {folder}]"),
    ),
    ToolSpec(
        "news.follow_source",
        "news",
        "Follow a news outlet in the feed.",
        (
            req("source", STR, "Outlet name.", "news_source"),
            flag(
                "notifications",
                "Push a notification for each new story.",
                "with notifications on|and notify me of new stories",
                "without notifications|silently",
            ),
        ),
        (
            "follow {source} in my news feed[ {notifications}]",
            "add {source} to the outlets I follow[, {notifications}]",
        ),
        vary="source",
    ),
]
