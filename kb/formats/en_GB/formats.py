"""Dates as the site and the admin write them: never `04/03/2022`, which half the world reads as April.

Django's British formats, but the short ones spelt out as well (`4 Mar 2022`), times on the 24-hour clock
(`4 Mar 2022, 17:05`), and ISO (`2022-03-04`) first among the formats a date field accepts: it is what the admin's
date boxes and calendar show, and `04/03/2022` is no longer read at all. What is not set here is Django's.
"""

DATE_FORMAT = "j M Y"  # 4 Mar 2022
TIME_FORMAT = "H:i"  # 17:05
DATETIME_FORMAT = "j M Y, H:i"  # 4 Mar 2022, 17:05
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

DATE_INPUT_FORMATS = ["%Y-%m-%d"]  # 2022-03-04
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
