"""Configuration: discovery order, validation messages, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamer.config import find_config, load_config, starter_config
from streamer.errors import ConfigError

MINIMAL = """
data_dir = "d"
[[programmes]]
slug = "adal-komek"
name = "Adal Komek"
channels = [{ platform = "youtube", id = "UCadalKomek0000000000000" }]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "streamer.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_starter_config_loads_with_both_programmes(tmp_path: Path) -> None:
    """The file `streamer init` writes is valid and names both programmes."""
    config = load_config(write(tmp_path, starter_config()))
    assert set(config.programmes) == {"antikor-live", "adal-komek"}
    assert config.timezone_name == "Asia/Almaty"
    assert config.platforms["youtube"].api_key_env == "YOUTUBE_API_KEY"
    assert config.collector.live_interval == 60
    assert config.platforms_in_use() == ["youtube", "facebook", "instagram"]


def test_data_dir_is_relative_to_the_config_file(tmp_path: Path) -> None:
    """data_dir resolves against the config file's folder, not the working directory."""
    config = load_config(write(tmp_path, MINIMAL))
    assert config.data_dir == tmp_path.resolve() / "d"


def test_find_config_prefers_option_then_env_then_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--config wins over $STREAMER_CONFIG, which wins over ./streamer.toml."""
    monkeypatch.setenv("STREAMER_CONFIG", str(tmp_path / "env.toml"))
    assert find_config(tmp_path / "opt.toml") == tmp_path / "opt.toml"
    assert find_config(None) == tmp_path / "env.toml"
    monkeypatch.delenv("STREAMER_CONFIG")
    assert find_config(None) == Path("streamer.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('timezone = "Mars/Olympus"', "timezone: unknown time zone 'Mars/Olympus'"),
        ('language = "de"', "language: 'de' is not allowed; use one of kk, ru, en"),
        ('data_dri = "x"', "data_dri: unknown key; did you mean 'data_dir'?"),
        (
            "[collector]\nlive_interval = 0",
            "collector.live_interval: must be a whole number above 0",
        ),
        ("[collector]\nlive_intervall = 60", "did you mean 'live_interval'?"),
        ("[collector]\nnear_lead = 0", "collector.near_lead: must be a whole number above 0"),
        (
            '[platforms.youtube]\napi_key_env = "AIza SyD-secret"',
            "must be the NAME of an environment",
        ),
        ('[platforms.youtube]\napi_endpoint = "localhost:9"', "is not a URL"),
        ("[platforms.myspace]\nx = 1", "platforms.myspace: unknown key"),
        ("[metrics]\nport = 70000", "metrics.port: 70000 is not a TCP port"),
        ('fsync = "no"', "fsync: must be true or false, not 'no'"),
        (
            '[[reports]]\nname = "w"\ncron = "0 9 * * MON"\nkind = "pie"',
            "reports[0].kind: 'pie' is not allowed",
        ),
    ],
)
def test_invalid_values_name_the_key_and_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    """Each mistake is one line naming the file, the key and what to do."""
    path = write(tmp_path, MINIMAL.replace('data_dir = "d"', f'data_dir = "d"\n{text}', 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(path))
    assert "\n" not in message


def test_bad_channel_platform_is_named_with_its_index(tmp_path: Path) -> None:
    """A wrong platform names programmes[i].channels[j].platform and the allowed values."""
    path = write(tmp_path, MINIMAL.replace('"youtube"', '"yt"'))
    with pytest.raises(ConfigError, match=r"programmes\[0\]\.channels\[0\]\.platform: 'yt'"):
        load_config(path)


def test_duplicate_programme_slug_is_refused(tmp_path: Path) -> None:
    """Two programmes with one slug would make plans ambiguous."""
    text = MINIMAL + MINIMAL.split("\n", 2)[2]
    with pytest.raises(ConfigError, match=r"programmes\[1\]\.slug: 'adal-komek' is used twice"):
        load_config(write(tmp_path, text))


def test_missing_and_malformed_files_are_one_line_errors(tmp_path: Path) -> None:
    """No file → hint to run init; broken TOML → parser's reason."""
    with pytest.raises(ConfigError, match="run 'streamer init'"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "data_dir = "))


def test_several_youtube_keys_are_tried_in_order(tmp_path: Path) -> None:
    """api_key_envs lists key variables; without it the single api_key_env is used."""
    text = MINIMAL + '\n[platforms.youtube]\napi_key_envs = ["YT_A", "YT_B"]\n'
    assert load_config(write(tmp_path, text)).platforms["youtube"].key_envs == ("YT_A", "YT_B")
    default = load_config(write(tmp_path, MINIMAL)).platforms["youtube"]
    assert default.key_envs == ("YOUTUBE_API_KEY",)


def test_a_bare_carriage_return_is_invalid_toml_but_crlf_is_fine(tmp_path: Path) -> None:
    """TOML allows CRLF line ends but not a lone CR; text-mode reading would hide that."""
    path = tmp_path / "streamer.toml"
    path.write_bytes(b"\r")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    path.write_bytes(MINIMAL.replace("\n", "\r\n").encode())
    assert "adal-komek" in load_config(path).programmes


def test_fsync_is_on_unless_the_config_turns_it_off(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, MINIMAL)).fsync is True
    off = load_config(
        write(tmp_path, MINIMAL.replace('data_dir = "d"', 'data_dir = "d"\nfsync = false'))
    )
    assert off.fsync is False
