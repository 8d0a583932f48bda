import os
from pathlib import Path

import pytest

import vog


@pytest.mark.skipif(os.environ.get("VOG_EXPECT_INSTALLED") != "1", reason="set by `make test`")
def test_package_is_the_installed_copy():
    # `make test` installs vog non-editable; the tests must exercise that copy
    assert "site-packages" in Path(vog.__file__).parts, vog.__file__


def test_public_api_is_complete():
    assert sorted(vog.__all__) == sorted(set(vog.__all__))
    for name in vog.__all__:
        assert hasattr(vog, name), name
