"""The characters of the ids streamer makes: lowercase base32 without look-alikes.

No i, l, o or u, so an id can be read aloud on a call and typed back. The plan's
ids (``schedules.ids``) and unplanned broadcasts' ids (``streamer.unplanned``)
both use it.
"""

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
