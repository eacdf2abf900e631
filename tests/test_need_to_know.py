"""Need to know (issue 14): who is in a case channel, on the console, Slack and Mattermost alike. The channel
starts with the VT worker who registered the case and the triagetafel's members of the organisations around it;
an assignment brings in one person (and lets the table go once the case left the agenda); a leidinggevende joins
only by taking an escalation up; who left the directory is taken out on synchronisation; at archiving nobody but
the bot is left."""

from __future__ import annotations

from commands.sync import synchronise
from models.case import channel_name
from models.directory import Directory
from tests.worlds import slack_id

N1, N2 = "VT-2025-0001", "VT-2025-0002"


def in_channel(world, number: str) -> set[str]:
    """Who is in the case channel on the platform itself, as directory member ids (the bot not counted)."""
    name = channel_name(number)
    if world.name == "console":
        return set(world.console.platform.channels[name].members)
    if world.name == "slack":
        ids = {slack_id(m): m for m in world.directory.members}
        return {ids[u] for u in world.fake.channel_named(name).members if u != world.fake.bot_user_id}
    users = {uid: m for m, uid in world.users.items()}
    channel = world.fake.channel_named(name)
    return {users[u] for u in world.fake.members_of(channel["id"]) if u != world.fake.bot_user_id}


def archived(world, number: str) -> bool:
    name = channel_name(number)
    if world.name == "console":
        return world.console.platform.channels[name].archived
    if world.name == "slack":
        return world.fake.channel_named(name).is_archived
    return bool(world.fake.channel_named(name)["delete_at"])


def without(directory: Directory, member: str) -> Directory:
    """The directory after someone left their organisation."""
    return Directory(directory.organisations.values(), [m for m in directory.members.values() if m.id != member])


def test_who_is_in_a_case_channel_from_registration_to_a_leaver(world):
    world.run(["vt-medewerker: /casus nieuw Arnhem"])
    assert in_channel(world, N1) == {"vt-medewerker", "lt-arnhem-medewerker"}        # registrant + the table
    world.run([f"vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd reden: ouders staan open voor hulp",
               f"lt-arnhem-medewerker: klik bevestig {N1}"])
    assert in_channel(world, N1) == {"vt-medewerker", "lt-arnhem-medewerker"}        # no worker yet: the table stays

    done = world.line(f"lt-arnhem-medewerker: /casus toewijzen {N1} lt-arnhem-casusregisseur")
    assert f"werkt voor uw organisatie aan {N1} en is aan het casuskanaal toegevoegd" in done, done
    # one person joins; the table's member goes, as the case left the agenda and the lokaal team has its worker
    assert in_channel(world, N1) == {"vt-medewerker", "lt-arnhem-casusregisseur"}
    assert world.report(N1)["assigned"] == {"lt-arnhem": "lt-arnhem-casusregisseur", "vt-gelderland-midden":
                                            "vt-medewerker"}

    world.run([f"lt-arnhem-casusregisseur: /casus stagnatie {N1} reden: afspraken lopen vast"])
    assert "vt-leidinggevende" not in in_channel(world, N1)                   # asked, by direct message only
    assert world.line(f"vt-leidinggevende: klik oppakken {N1}").startswith("Vastgelegd: u pakt")
    assert in_channel(world, N1) == {"vt-medewerker", "lt-arnhem-casusregisseur", "vt-leidinggevende"}

    # the casusregisseur leaves the lokaal team: the directory no longer has them
    report = synchronise(world.bot.uow, without(world.bot.directory, "lt-arnhem-casusregisseur"),
                         world.bot.profile_for, world.clock())
    world.bot.deliver_now()
    assert report.lapsed == [(N1, "lt-arnhem", "lt-arnhem-casusregisseur")]
    assert "lt-arnhem-casusregisseur" not in in_channel(world, N1)
    # nobody took over silently: the table's member is back; the lokaal team's leidinggevende is asked to assign
    assert in_channel(world, N1) == {"vt-medewerker", "lt-arnhem-medewerker", "vt-leidinggevende"}
    assert world.report(N1)["assigned"] == {"vt-gelderland-midden": "vt-medewerker"}
    audit = [(a["action"], a.get("lid")) for a in world.report(N1)["audit"]]
    assert ("kanaal_lid_verwijderd", "lt-arnhem-casusregisseur") in audit


def test_a_lokaal_team_that_refused_stays_while_its_refusal_is_escalated_and_then_leaves(world):
    world.run(["vt-medewerker: /casus nieuw Arnhem",
               f"vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd reden: ouders staan open voor hulp",
               f"lt-arnhem-medewerker: klik weiger {N1} reden: hoort bij een ander team"])
    # the refusal is a stagnation between VT and the lokaal team: the team stays to resolve it
    assert in_channel(world, N1) == {"vt-medewerker", "lt-arnhem-medewerker"}
    world.run(["klok +1h"])       # 08:30: the lokaal team's leidinggevende gets the escalation when its office opens
    assert world.line(f"lt-arnhem-leidinggevende: klik oppakken {N1}").startswith("Vastgelegd: u pakt")
    # its leidinggevende took it up: the team that refused, holding nothing, is no longer needed
    assert in_channel(world, N1) == {"vt-medewerker", "lt-arnhem-leidinggevende"}
    left = [a for a in world.report(N1)["audit"] if a["action"] == "kanaal_lid_verwijderd"]
    assert [a.get("lid") for a in left] == ["lt-arnhem-medewerker"]

    # asked again, the team's table is back
    world.run([f"vt-medewerker: /casus overdracht {N1}"])
    assert "lt-arnhem-medewerker" in in_channel(world, N1)


def test_at_archiving_only_the_bot_is_left(world):
    world.run(["vt-medewerker: /casus nieuw Ede",
               f"vt-medewerker: /casus besluit {N1} geen reden: geen zorgen over de veiligheid"])
    assert in_channel(world, N1) == {"vt-medewerker", "lt-ede-medewerker"}    # closed: readable for a while
    world.run(["klok +31d"])
    assert archived(world, N1) and in_channel(world, N1) == set()
    assert world.report(N1)["audit"][-2]["action"] == "kanaal_gearchiveerd"


def test_a_large_region_never_puts_an_organisation_in_a_channel(tmp_path):
    """200 Veilig Thuis workers and 100 in the lokaal team, 50 cases: each channel holds only whom the rule allows."""
    import yaml

    from models.membership import at_most
    from tests.harness import make_console, play

    data = yaml.safe_load(open("bot/demo/directory.yaml", encoding="utf-8"))
    for org, size, table in (("vt-gelderland-midden", 200, 6), ("lt-arnhem", 100, 4)):
        entry = next(o for o in data["organisaties"] if o["id"] == org)
        entry["leden"] += [{"id": f"{org}-{i}", "naam": f"Medewerker {i}", "rol": "medewerker",
                            **({"tafel": True} if i < table else {})} for i in range(size)]
    path = tmp_path / "groot.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    console = make_console(directory=str(path))
    lines = []
    for n in range(1, 51):
        number = f"VT-2025-{n:04d}"
        worker = f"vt-gelderland-midden-{n % 200}"
        lines.append(f"{worker}: /casus nieuw Arnhem{' gezinsvoogd' if n % 5 == 0 else ''}")
        if n % 2 == 0:         # half are handed over, confirmed and given a casusregisseur
            lines += [f"{worker}: /casus besluit {number} lt gezin-geinformeerd reden: hulp in het lokale veld",
                      f"lt-arnhem-medewerker: klik bevestig {number}",
                      f"lt-arnhem-medewerker: /casus toewijzen {number} lt-arnhem-{50 + n}"]
    play(console, "\n".join(lines))
    sizes = []
    with console.bot.uow() as uow:
        for n in range(1, 51):
            number = f"VT-2025-{n:04d}"
            state = uow.cases.get(number)
            members = console.platform.channels[channel_name(number)].members
            assert members == set(uow.members.of_case(number))          # the platform and the record agree
            assert len(members) <= at_most(state, console.bot.directory), (number, sorted(members))
            assert not members & {f"vt-gelderland-midden-{i}" for i in range(6, 200)} - {
                f"vt-gelderland-midden-{n % 200}"}                        # of VT only its table and the registrant
            sizes.append(len(members))
    # VT's table (6 + the demo's one), the lokaal team's (4 + 1), the registrant, the GI's table (1): never 300
    assert max(sizes) == 7 + 5 + 1 + 1
    assert min(sizes) <= 3                          # handed over and assigned: the registrant and the worker


def test_a_lapse_is_told_to_the_worker_the_organisation_assigned_not_to_all_its_people():
    from tests.harness import make_console, play

    console = make_console(start="2025-06-02T09:00")
    play(console, f"""
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd reden: ouders staan open voor hulp
lt-arnhem-medewerker: klik bevestig {N1}
""")
    told = [e["to"] for e in play(console, "klok +20d") if e["kind"] == "dm" and e["text"].startswith('De termijn "')]
    assert told and set(told) == {"lt-arnhem-medewerker"}     # nobody assigned yet: the lokaal team's table

    console = make_console(start="2025-06-02T09:00")
    play(console, f"""
vt-medewerker: /casus nieuw Arnhem
vt-medewerker: /casus besluit {N1} lt gezin-geinformeerd reden: ouders staan open voor hulp
lt-arnhem-medewerker: klik bevestig {N1}
lt-arnhem-medewerker: /casus toewijzen {N1} lt-arnhem-casusregisseur
""")
    told = [e["to"] for e in play(console, "klok +20d") if e["kind"] == "dm" and e["text"].startswith('De termijn "')]
    assert told and set(told) == {"lt-arnhem-casusregisseur"}  # the worker on the case, not the whole team


def test_a_synchronisation_with_nothing_to_change_writes_nothing():
    from sqlalchemy import event

    from tests.harness import make_console, play

    console = make_console(start="2025-06-02T09:00")
    play(console, "\n".join(["vt-medewerker: /casus nieuw Arnhem"] * 5))
    writes: list[str] = []
    transactions: list[int] = []
    event.listen(console.bot.engine, "before_cursor_execute",
                 lambda *a: writes.append(a[2]) if a[2].split()[0] in ("INSERT", "UPDATE", "DELETE") else None)
    event.listen(console.bot.engine, "begin", lambda *a: transactions.append(1))
    report = synchronise(console.bot.uow, console.bot.directory, console.bot.profile_for, console.clock())
    assert (report.joined, report.left, report.lapsed, report.failed) == ([], [], [], [])
    assert writes == []
    # one look at the list and one at each case; no case locked for a change (on SQLite: its write lock)
    assert len(transactions) == 1 + 5
