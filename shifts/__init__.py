"""Moderator weekly schedules, shifts (drop / claim / edit / cancel) and the fairness policy."""
