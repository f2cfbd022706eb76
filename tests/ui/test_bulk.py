"""A thousand trainings: the list renders a window of rows, the filter box and the keyboard reach any of them."""

from __future__ import annotations

from conftest import write_script  # tests/conftest.py
from playwright.sync_api import Page, expect

from jupyter_easymaker.testing import clone_trainings

COUNT = 1000


def test_thousand_trainings_virtualised_filter_keyboard(lab: Page, lab_api, lab_server, artifacts, tmp_path):
    source = write_script(tmp_path / "src", "print('loss=0.1')\n")
    experiment = lab_api.experiment("bulk-experiment")
    body = lab_api.training_body("bulk-seed", experiment, source, tmp_path / "out")
    seed = lab_api.post("/trainings", body)["training"]["trainingId"]
    lab_api.wait_training(seed, until=("COMPLETE",))
    clone_trainings(f"sqlite:///{lab_server.data_dir / 'easymaker.db'}", seed, COUNT - 1, prefix="bulk")

    panel = lab.locator("#jupyter-easymaker-panel")
    panel.get_by_role("tab", name="Trainings", exact=True).click()
    filter_box = panel.get_by_label("Filter trainings")
    filter_box.fill("bulk-")
    expect(panel.locator(".jp-EasyMaker-count")).to_contain_text(f"{COUNT} of")
    rows = panel.locator(".jp-EasyMaker-row")
    assert 5 < rows.count() < 60, f"{rows.count()} DOM rows for {COUNT} items: the list is not virtualised"
    lab.screenshot(path=str(artifacts / "panel-1000-trainings.png"))

    # Scrolling to the end renders the oldest; still only a window of rows.
    listbox = panel.get_by_role("listbox")
    listbox.evaluate("node => { node.scrollTop = node.scrollHeight; node.dispatchEvent(new Event('scroll')); }")
    expect(panel.locator(".jp-EasyMaker-row-name", has_text="bulk-0000")).to_be_visible()
    assert rows.count() < 60

    # The keyboard: Home, arrows, Enter opens the focused one (newest first: the seed, then the newest copies).
    for key in ("Home", "ArrowDown", "ArrowDown"):
        listbox.press(key)  # focuses the list, then the key
    focused = panel.locator(".jp-EasyMaker-row[aria-selected='true'] .jp-EasyMaker-row-name")
    expect(focused).to_have_text("bulk-0997")
    listbox.press("Enter")
    expect(lab.locator(".jp-EasyMaker-detail-widget:visible h1")).to_have_text("bulk-0997")

    # The filter box narrows a thousand to one.
    filter_box.fill("bulk-0420")
    expect(panel.locator(".jp-EasyMaker-count")).to_contain_text("1 of")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".jp-EasyMaker-badge")).to_have_text("COMPLETE")
