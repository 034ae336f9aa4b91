from bot.settings import Settings
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [f"SHOPBOT_{name.upper()}" for name in Settings.model_fields if f"`SHOPBOT_{name.upper()}`" not in readme]
    assert missing == []
