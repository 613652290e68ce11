"""The Digital Khon Kaen Sandbox: a synthetic but faithful demo city.

Every entity generated here is synthetic (its ``dataProvider`` says so); the facts it
rests on (districts, coordinates, crop calendars, price levels, seasons) are real and
name their source in ``places`` and in the dimension modules. Generation is a pure
function of the seed and the clock: the same seed gives the same value at the same
timestamp, whatever day the demo is started.
"""
