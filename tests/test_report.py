import re

import pandas as pd

from framing import outlet_profile, write_report


def test_report_files_and_self_contained_page(tmp_path, codebook):
    frame = pd.DataFrame({"article_id": ["a", "a", "b", "c", "c", "d"], "outlet": ["X", "X", "X", "Y", "Y", "Y"],
                          "mood": ["upbeat", "gloomy", "gloomy", "upbeat", "upbeat", "gloomy"],
                          "topics": ["sport", "", "weather", "sport|weather", "", "sport"]})
    table = outlet_profile(frame, codebook, n_boot=200)
    page = write_report(table, codebook, tmp_path / "r", title="Test report", notes={"Data": "synthetic"})
    for dim in ("mood", "topics"):
        for kind in ("heatmap", "bars"):
            for ext in ("png", "svg", "csv"):
                assert (tmp_path / "r" / f"{dim}_{kind}.{ext}").stat().st_size > 0
        csv = pd.read_csv(tmp_path / "r" / f"{dim}_bars.csv")
        assert set(csv["outlet"]) == {"X", "Y"} and (csv["dimension"] == dim).all()
    html = page.read_text()
    assert html.count('src="data:image/png;base64,') == 4
    assert not re.search(r'src="(?!data:)', html)  # nothing loaded from elsewhere
    assert "Test report" in html and "synthetic" in html
    assert (tmp_path / "r" / "profile.csv").exists()
