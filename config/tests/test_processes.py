import pytest

from config.processes import banner, main, processes


def test_without_a_discord_token_web_worker_and_beat(monkeypatch, tmp_path):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setattr("config.processes.BASE_DIR", tmp_path)
    (tmp_path / "Procfile").write_text("web: x\nworker: x\nbeat: x\noutbox: x\n")
    assert processes() == ["web", "worker", "beat"]


def test_with_a_discord_token_the_outbox_deliverer_too(monkeypatch, tmp_path):
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    monkeypatch.setattr("config.processes.BASE_DIR", tmp_path)
    (tmp_path / "Procfile").write_text("web: x\nworker: x\nbeat: x\noutbox: x\n")
    assert processes() == ["web", "worker", "beat", "outbox"]


def test_a_token_in_dotenv_counts(monkeypatch, tmp_path):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setattr("config.processes.BASE_DIR", tmp_path)
    (tmp_path / "Procfile").write_text("web: x\noutbox: x\nbot: x\n")
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc\n")
    assert processes() == ["web", "worker", "beat", "bot"]


@pytest.mark.parametrize(
    ("address", "url"),
    [
        (None, "http://127.0.0.1:8000"),
        ("8001", "http://127.0.0.1:8001"),
        ("0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("[::]:9000", "http://127.0.0.1:9000"),
        ("localhost:8080", "http://localhost:8080"),
        ("[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_the_banner_prints_the_address_the_web_server_listens_on(monkeypatch, tmp_path, address, url):
    monkeypatch.setattr("config.processes.BASE_DIR", tmp_path)
    if address is None:
        monkeypatch.delenv("WEB_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("WEB_ADDRESS", address)
    assert banner() == f"Guildhall: admin at {url}/admin/, API docs at {url}/api/docs/ (Ctrl-C stops everything)"


def test_web_address_in_dotenv_counts(monkeypatch, tmp_path):
    monkeypatch.delenv("WEB_ADDRESS", raising=False)
    monkeypatch.setattr("config.processes.BASE_DIR", tmp_path)
    (tmp_path / ".env").write_text("WEB_ADDRESS=0.0.0.0:8123\n")
    assert "http://127.0.0.1:8123/admin/" in banner()


def test_the_sandbox_env_points_every_process_at_the_emulator(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("config.processes.BASE_DIR", tmp_path)
    monkeypatch.setenv("DISCORD_EMULATOR_PORT", "18999")
    assert main(["sandbox"]) == 0
    written = dict(line.split("=", 1) for line in (tmp_path / "var" / "sandbox.env").read_text().splitlines())
    assert written == {
        "DISCORD_TOKEN": "local-emulator-token",
        "DISCORD_APPLICATION_ID": "1150000000000000001",
        "DISCORD_API_BASE": "http://127.0.0.1:18999/api/v10",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:18999/gateway",
        "DISCORD_EMULATOR_PORT": "18999",
    }
    assert "Discord emulator at http://127.0.0.1:18999" in capsys.readouterr().out


def test_a_bad_emulator_port_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("config.processes.BASE_DIR", tmp_path)
    monkeypatch.setenv("DISCORD_EMULATOR_PORT", "eighty")
    assert main(["sandbox"]) == 2
    assert (
        capsys.readouterr().err == "config.processes: DISCORD_EMULATOR_PORT='eighty' is not a port number (1-65535).\n"
    )
