"""The board-pack request form as a browser gets it."""

import datetime

from reports.forms import BoardPackRequestForm


def test_period_dates_render_as_iso_so_date_inputs_show_them():
    # <input type="date"> takes only YYYY-MM-DD: an en-GB 01/10/2026 showed as an empty field,
    # so the pre-filled period was lost and the request refused as "This field is required."
    form = BoardPackRequestForm(initial={"period_start": datetime.date(2026, 10, 1),
                                         "period_end": datetime.date(2026, 10, 31)})

    html = str(form["period_start"]) + str(form["period_end"])

    assert 'value="2026-10-01"' in html
    assert 'value="2026-10-31"' in html
