"""Bad input through ATS gets a 4xx with a reason, never a 500, on every site."""
from __future__ import annotations

import pytest

from lab.http import LabClient

HOSTS = ["spacedock.info", "beta.spacedock.info", "alpha.spacedock.info"]


@pytest.mark.parametrize("host", HOSTS)
def test_a_nul_byte_in_a_content_path_is_a_404(client: LabClient, host: str) -> None:
    assert client.get("/content/a%00b.zip", host=host).status_code == 404


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("value", ["²", "99999999999999999999"])
def test_a_download_count_asked_for_a_non_number_is_a_400_with_a_reason(client: LabClient, host: str,
                                                                        value: str) -> None:
    response = client.post("/api/download_counts", host=host, data={"mod_id": value})

    assert response.status_code == 400
    assert response.json() == {"error": True, "reason": f"mod_id must be a mod's number, not {value!r}"}
