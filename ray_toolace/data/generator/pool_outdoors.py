"""The API pool, part 1: weather and map tools.

Each entry is a `ToolSpec` (see schema.py): the schema a model sees plus the ask templates
and value samplers the generator uses to write queries with exactly derivable gold calls.
"""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, flag, obj, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."
UNITS = {
    "metric": "in metric units|with temperatures in Celsius",
    "imperial": "in imperial units|with temperatures in Fahrenheit",
}
COORDS = (
    req("latitude", NUM, "Latitude in decimal degrees.", ("num", -60, 60, 4)),
    req("longitude", NUM, "Longitude in decimal degrees.", ("num", -170, 170, 4)),
)

WEATHER = [
    ToolSpec(
        "weather.get_forecast",
        "weather",
        "Daily forecast for a city: highs, lows, conditions and chance of rain.",
        (
            req("city", STR, "City name, e.g. 'Lisbon'.", "city"),
            opt("days", INT, "Number of forecast days, 2 to 14.", ("int", 2, 14), default=3),
            choice("units", "Unit system of the returned values.", UNITS, default="metric"),
        ),
        (
            "get the weather forecast for {city}[ for the next {days} days][ {units}]",
            "tell me what the weather will be like in {city}[ over the next {days} days][, {units}]",
            "pull up the [{days}-day ]forecast for {city}[ {units}]",
        ),
        vary="city",
    ),
    ToolSpec(
        "weather.get_current",
        "weather",
        "Current observed conditions in a city: temperature, sky, humidity.",
        (
            req("city", STR, "City name.", "city"),
            flag(
                "include_wind",
                "Also return wind speed and direction.",
                "with wind speed and direction|including the wind details",
                "without the wind details|leaving out the wind",
            ),
        ),
        (
            "check the current weather in {city}[ {include_wind}]",
            "tell me what the weather is like right now in {city}[, {include_wind}]",
            "get the conditions in {city} at this moment[ {include_wind}]",
        ),
        vary="city",
    ),
    ToolSpec(
        "weather.get_air_quality",
        "weather",
        "Air quality index and pollutant levels for a city.",
        (
            req("city", STR, "City name.", "city"),
            choice(
                "pollutant",
                "Report only this pollutant.",
                {
                    "pm25": "PM2.5|fine particulate matter (PM2.5)",
                    "pm10": "PM10",
                    "ozone": "ozone",
                    "no2": "nitrogen dioxide|NO2",
                },
            ),
        ),
        (
            "check the air quality in {city}[, focusing on {pollutant}]",
            "find out how clean the air is in {city}[ in terms of {pollutant}]",
        ),
        vary="city",
    ),
    ToolSpec(
        "weather.get_historical",
        "weather",
        "Weather recorded on a past date in a city.",
        (
            req("city", STR, "City name.", "city"),
            req("date", STR, DATE, "past_date"),
            choice(
                "metric",
                "Return only this measurement.",
                {"temperature": "temperature", "precipitation": "rainfall|precipitation", "wind": "wind"},
            ),
        ),
        (
            "look up the weather recorded in {city} {date}[, especially the {metric}]",
            "find out what the weather was in {city} {date}[; I mostly care about the {metric}]",
        ),
    ),
    ToolSpec(
        "weather.set_temperature_alert",
        "weather",
        "Notify the user when a city's temperature crosses a threshold.",
        (
            req("city", STR, "City name.", "city"),
            req("threshold_c", INT, "Threshold in whole degrees Celsius.", ("temp_c", -15, 40)),
            choice(
                "direction",
                "Alert when the temperature rises above or falls below the threshold.",
                {"above": "rises above|goes above|climbs over", "below": "drops below|falls below|goes under"},
                required=True,
            ),
        ),
        (
            "alert me when the temperature in {city} {direction} {threshold_c}",
            "set up a notification for when it {direction} {threshold_c} in {city}",
        ),
    ),
    ToolSpec(
        "weather.get_uv_index",
        "weather",
        "Forecast UV index for a city on a date.",
        (req("city", STR, "City name.", "city"), req("date", STR, DATE, "date")),
        ("check the UV index in {city} {date}", "tell me how strong the sun will be in {city} {date}"),
    ),
    ToolSpec(
        "weather.get_sun_times",
        "weather",
        "Sunrise and sunset times for a city on a date.",
        (
            req("city", STR, "City name.", "city"),
            req("date", STR, DATE, "date"),
            flag(
                "include_twilight",
                "Also return civil twilight times.",
                "with the twilight times too|including civil twilight",
                "without twilight times",
            ),
        ),
        (
            "find the sunrise and sunset times for {city} {date}[ {include_twilight}]",
            "tell me when the sun rises and sets in {city} {date}[, {include_twilight}]",
        ),
        vary="city",
    ),
    ToolSpec(
        "weather.get_marine_conditions",
        "weather",
        "Wave height, swell and water temperature at a point at sea.",
        (
            obj("position", "Point at sea.", COORDS, "latitude {latitude}, longitude {longitude}"),
            opt("hours", INT, "Hours ahead to cover, 6 to 72.", ("int", 6, 72), default=24),
        ),
        (
            "get the marine conditions at {position}[ for the next {hours} hours]",
            "check waves and swell at {position}[ over the coming {hours} hours]",
        ),
    ),
]

MAPS = [
    ToolSpec(
        "maps.get_directions",
        "maps",
        "Turn-by-turn directions between two places.",
        (
            req("origin", STR, "Start address or place name.", "street"),
            req("destination", STR, "End address or place name.", "place"),
            choice(
                "mode",
                "Travel mode.",
                {
                    "driving": "by car|driving",
                    "walking": "on foot|walking",
                    "cycling": "by bike|cycling",
                    "transit": "by public transit|using public transport",
                },
                default="driving",
            ),
            flag(
                "avoid_tolls",
                "Avoid toll roads.",
                "avoiding toll roads|with no toll roads",
                "even if it uses toll roads|toll roads allowed",
            ),
        ),
        (
            "get directions from {origin} to {destination}[ {mode}][ {avoid_tolls}]",
            "show me how to get to {destination} from {origin}[ {mode}][, {avoid_tolls}]",
        ),
    ),
    ToolSpec(
        "maps.search_nearby",
        "maps",
        "Places of a category near a location.",
        (
            req("location", STR, "Place or address to search around.", "place"),
            choice(
                "category",
                "Kind of place.",
                {
                    "restaurant": "restaurants",
                    "cafe": "coffee shops|cafes",
                    "pharmacy": "pharmacies",
                    "gas_station": "gas stations",
                    "atm": "ATMs|cash machines",
                    "park": "parks",
                },
                required=True,
            ),
            opt("radius_km", NUM, "Search radius in kilometres, rounded to one decimal place.", ("dist_km", 1, 15)),
            flag(
                "open_now",
                "Only places open at the time of the request.",
                "that are open right now|open at the moment",
                "whether or not they're open now",
            ),
        ),
        (
            "find {category} near {location}[ within {radius_km}][ {open_now}]",
            "look for {category} around {location}[, {open_now}][, no more than {radius_km} away]",
        ),
        vary="location",
    ),
    ToolSpec(
        "maps.geocode",
        "maps",
        "Latitude and longitude of a postal address.",
        (
            obj(
                "address",
                "Postal address.",
                (
                    req("street", STR, "Street and number.", "street"),
                    req("city", STR, "City.", "city"),
                    opt("postal_code", STR, "Postal code.", ("id", "#####")),
                ),
                "{street}, {city}[ {postal_code}]",
            ),
        ),
        (
            "get the coordinates of {address}",
            "geocode the address {address}",
            "find the latitude and longitude for {address}",
        ),
    ),
    ToolSpec(
        "maps.reverse_geocode",
        "maps",
        "Nearest street address for a latitude/longitude.",
        COORDS
        + (
            choice(
                "detail",
                "How much of the address to return.",
                {"street": "down to the street", "city": "just the city", "country": "only the country"},
                default="street",
            ),
        ),
        (
            "find the address at latitude {latitude}, longitude {longitude}[, {detail}]",
            "tell me what is located at coordinates {latitude}, {longitude}[ {detail}]",
        ),
    ),
    ToolSpec(
        "maps.estimate_travel_time",
        "maps",
        "Expected travel time between two places at a departure time.",
        (
            req("origin", STR, "Start address or place name.", "street"),
            req("destination", STR, "End address or place name.", "place"),
            opt("departure_time", STR, "Departure time, 24-hour HH:MM.", "time24"),
            choice(
                "mode",
                "Travel mode.",
                {"driving": "by car|driving", "transit": "by public transit|by bus and train", "cycling": "by bike"},
                default="driving",
            ),
        ),
        (
            "estimate how long it takes to get from {origin} to {destination}[ {mode}][ leaving at {departure_time}]",
            "work out the travel time from {origin} to {destination}[ if I leave at {departure_time}][ {mode}]",
        ),
    ),
    ToolSpec(
        "maps.get_distance",
        "maps",
        "Straight-line and road distance between two cities.",
        (
            req("origin", STR, "First city.", "city"),
            req("destination", STR, "Second city.", "city"),
            choice("unit", "Unit of the result.", {"km": "in kilometers|in km", "mi": "in miles"}, default="km"),
        ),
        (
            "calculate the distance between {origin} and {destination}[ {unit}]",
            "tell me how far {destination} is from {origin}[ {unit}]",
        ),
    ),
    ToolSpec(
        "maps.find_parking",
        "maps",
        "Parking garages and lots near a place, with prices.",
        (
            req("near", STR, "Place to park near.", "place"),
            req("hours", INT, "How many hours of parking, 2 to 12.", ("int", 2, 12)),
            opt("max_price_per_hour", NUM, "Highest acceptable hourly price in US dollars.", ("money", 2, 15)),
            flag(
                "covered",
                "Only covered or underground parking.",
                "in a covered garage|under cover",
                "open-air is fine|uncovered is fine",
            ),
        ),
        (
            "find parking near {near} for {hours} hours[ at no more than {max_price_per_hour} an hour][, {covered}]",
            "look for a place to park close to {near} for {hours} hours[ {covered}][ under {max_price_per_hour} per hour]",
        ),
    ),
    ToolSpec(
        "maps.get_traffic_incidents",
        "maps",
        "Current traffic incidents in a city.",
        (
            req("city", STR, "City name.", "city"),
            choice(
                "incident_type",
                "Only this kind of incident.",
                {"accident": "accidents", "roadwork": "roadworks|construction", "closure": "road closures"},
            ),
        ),
        (
            "show the current traffic incidents in {city}[, just {incident_type}]",
            "check whether there are traffic problems in {city} right now[, looking only at {incident_type}]",
        ),
        vary="city",
    ),
]
