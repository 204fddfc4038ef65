"""The API pool, part 2: travel tools: flights, hotels, cars, trains, visas, sights
(see schema.py for the form)."""

from __future__ import annotations

from ray_toolace.data.generator.schema import ToolSpec, choice, items, obj, opt, req

STR, INT, NUM = "string", "integer", "number"
DATE = "Date in YYYY-MM-DD format."

TRAVEL = [
    ToolSpec(
        "travel.search_flights",
        "travel",
        "Search one-way flights between two airports on a date.",
        (
            req("origin", STR, "Departure airport IATA code.", "airport"),
            req("destination", STR, "Arrival airport IATA code.", "airport"),
            req("departure_date", STR, DATE, "date"),
            opt("passengers", INT, "Number of passengers, 2 to 6.", ("int", 2, 6), default=1),
            choice(
                "cabin",
                "Cabin class.",
                {
                    "economy": "economy|economy class",
                    "premium_economy": "premium economy",
                    "business": "business class",
                    "first": "first class",
                },
                default="economy",
            ),
            choice(
                "sort_by",
                "Order of results.",
                {
                    "price_asc": "cheapest first|sorted by lowest price",
                    "duration_asc": "shortest flights first|sorted by travel time",
                    "departure_asc": "earliest departures first|sorted by departure time",
                },
                default="price_asc",
            ),
        ),
        (
            "search for flights from {origin} to {destination} {departure_date}[ for {passengers} passengers][ in {cabin}][, {sort_by}]",
            "find me a flight from {origin} to {destination} {departure_date}[, {sort_by}][, {cabin}][ for {passengers} people]",
        ),
        gives="flight_id",
    ),
    ToolSpec(
        "travel.book_flight",
        "travel",
        "Book a seat on a flight found by a search.",
        (
            req("flight_id", STR, "Flight identifier from a search.", ("id", "FL-#####", "flight")),
            obj(
                "passenger",
                "The traveller.",
                (
                    req("full_name", STR, "Name as on the passport.", "person"),
                    req("email", STR, "Contact email.", "email"),
                    opt("passport_number", STR, "Passport number.", ("id", "@########")),
                ),
                "{full_name} ({email})[ with passport number {passport_number}]",
            ),
            choice("seat_preference", "Preferred seat.", {"window": "window", "aisle": "aisle", "middle": "middle"}),
        ),
        (
            "book {flight_id} for {passenger}[ with a {seat_preference} seat]",
            "reserve a seat on {flight_id} for {passenger}[, preferably {seat_preference}]",
        ),
    ),
    ToolSpec(
        "travel.search_hotels",
        "travel",
        "Available hotels in a city for a stay.",
        (
            req("city", STR, "City name.", "city"),
            req("check_in", STR, "Check-in " + DATE, "date"),
            req("nights", INT, "Number of nights, 2 to 14.", ("int", 2, 14)),
            opt("guests", INT, "Number of guests, 2 to 6.", ("int", 2, 6), default=2),
            opt("max_price_per_night", NUM, "Highest nightly rate in US dollars.", ("money", 60, 600)),
            items("amenities", STR, "Amenities every result must have.", ("list", "amenity", 1, 3), required=False),
        ),
        (
            "find hotels in {city} checking in {check_in} for {nights} nights[ for {guests} guests][ under {max_price_per_night} a night][ with {amenities}]",
            "search for a hotel in {city} for {nights} nights starting {check_in}[ that has {amenities}][, max {max_price_per_night} per night][, {guests} guests]",
        ),
        gives="hotel_id",
    ),
    ToolSpec(
        "travel.book_hotel",
        "travel",
        "Reserve a room at a hotel found by a search.",
        (
            req("hotel_id", STR, "Hotel identifier from a search.", ("id", "HTL-####", "hotel")),
            req("guest_name", STR, "Name for the reservation.", "person"),
            req("check_in", STR, "Check-in " + DATE, "date"),
            req("nights", INT, "Number of nights, 2 to 14.", ("int", 2, 14)),
        ),
        (
            "book {hotel_id} for {guest_name}, checking in {check_in} for {nights} nights",
            "reserve a room at {hotel_id} under the name {guest_name} for {nights} nights, arriving {check_in}",
        ),
    ),
    ToolSpec(
        "travel.rent_car",
        "travel",
        "Rent a car for pickup in a city.",
        (
            req("pickup_city", STR, "City of pickup.", "city"),
            req("pickup_date", STR, "Pickup " + DATE, "date"),
            req("days", INT, "Rental length in days, 2 to 21.", ("int", 2, 21)),
            choice(
                "car_class",
                "Vehicle class.",
                {
                    "economy": "an economy car",
                    "compact": "a compact",
                    "suv": "an SUV",
                    "minivan": "a minivan",
                    "luxury": "a luxury car|something luxurious",
                },
            ),
        ),
        (
            "rent a car in {pickup_city} {pickup_date} for {days} days[, preferably {car_class}]",
            "book a rental car for {days} days, picking it up in {pickup_city} {pickup_date}[; I'd like {car_class}]",
        ),
    ),
    ToolSpec(
        "travel.get_visa_requirements",
        "travel",
        "Entry and visa rules for a citizen visiting a country.",
        (
            req("citizenship", STR, "Traveller's country of citizenship.", "country"),
            req("destination", STR, "Country to visit.", "country"),
            choice(
                "purpose",
                "Purpose of the trip.",
                {"tourism": "tourism|a holiday", "business": "business", "study": "study|studying"},
                default="tourism",
            ),
        ),
        (
            "check the visa requirements for a citizen of {citizenship} visiting {destination}[ for {purpose}]",
            "find out whether someone from {citizenship} needs a visa to go to {destination}[ for {purpose}]",
        ),
    ),
    ToolSpec(
        "travel.get_flight_status",
        "travel",
        "Live status of a flight by flight number.",
        (
            req("flight_number", STR, "Airline flight number, e.g. 'TP1234'.", ("id", "@@####", "flight")),
            opt("date", STR, DATE, "date"),
        ),
        ("check the status of {flight_number}[ {date}]", "find out whether {flight_number} is on time[ {date}]"),
        vary="flight_number",
    ),
    ToolSpec(
        "travel.search_trains",
        "travel",
        "Train connections between two stations.",
        (
            req("origin_station", STR, "Departure station.", "station"),
            req("destination_station", STR, "Arrival station.", "station"),
            req("date", STR, DATE, "date"),
            opt("earliest_departure", STR, "Earliest departure time, 24-hour HH:MM.", "time24"),
            choice(
                "travel_class",
                "Seat class.",
                {"first": "first class", "second": "second class|standard class"},
                default="second",
            ),
        ),
        (
            "find train tickets from {origin_station} to {destination_station} {date}[ leaving after {earliest_departure}][ in {travel_class}]",
            "look up trains between {origin_station} and {destination_station} {date}[, {travel_class}][, not before {earliest_departure}]",
        ),
    ),
    ToolSpec(
        "travel.find_attractions",
        "travel",
        "Sights and activities in a city matching interests.",
        (
            req("city", STR, "City name.", "city"),
            items("interests", STR, "Interests to match.", ("list", "interest", 1, 3), required=False),
            opt("max_results", INT, "How many suggestions, 3 to 20.", ("int", 3, 20), default=10),
        ),
        (
            "recommend things to do in {city}[ for someone into {interests}][, {max_results} suggestions at most]",
            "suggest[ {max_results}] attractions in {city}[ related to {interests}]",
        ),
        vary="city",
    ),
]
