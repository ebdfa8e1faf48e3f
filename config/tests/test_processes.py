from config.processes import processes


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
