"""The report: outlet and time profiles, outlet-level inference, the why, charts, and the page."""
