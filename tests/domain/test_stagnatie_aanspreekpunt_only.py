"""What only a case's gemeentelijk aanspreekpunt may do is refused with `AanspreekpuntOnly`, a `Forbidden` (403)
that a page can recognise by its type rather than by the words of its message."""

from __future__ import annotations

import pytest

from eenplan.domain.errors import Forbidden
from eenplan.domain.stagnatie import AanspreekpuntOnly, require_aanspreekpunt


class _Case:
    aanspreekpunt_id = "ap-1"


@pytest.mark.parametrize("by", ["regisseur-1", ""])
def test_anyone_but_the_cases_aanspreekpunt_gets_aanspreekpunt_only(by):
    with pytest.raises(AanspreekpuntOnly) as refused:
        require_aanspreekpunt(_Case(), by, "record the commitment of step 4")  # type: ignore[arg-type]
    assert isinstance(refused.value, Forbidden) and refused.value.kind == "forbidden"


def test_the_cases_aanspreekpunt_passes():
    require_aanspreekpunt(_Case(), "ap-1", "hand the case back (afschalen)")  # type: ignore[arg-type]
