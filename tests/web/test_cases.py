"""Cases: the team's list, opening one, its risk history, risk changes and corrections."""

from django.urls import reverse

from ropeteam.audit.models import AuditEntry
from ropeteam.cases import actions as cases
from ropeteam.cases.models import Case
from tests.conftest import World
from tests.web.conftest import page_text, refused

WARNING = "Pseudonymised: never names, addresses, contact details or dates of birth."


def _open(world: World, reference: str, risk: str, keyworker_pk: int) -> Case:
    return cases.open_case(
        actor=world.priya,
        team=world.northside,
        reference=reference,
        initials="AB",
        age_band="12_14",
        risk_level=risk,
        keyworker_ids=[keyworker_pk],
    )


def _new_case(world: World, **changes: object) -> dict[str, object]:
    return {
        "reference": "NS-7",
        "initials": "KT",
        "age_band": "15_17",
        "risk_level": "medium",
        "keyworkers": [world.sam.pk, world.jo.pk],
        "reason": "",
        **changes,
    }


def test_case_list_puts_the_highest_risk_first(world: World, as_user) -> None:
    _open(world, "NS-2", "low", world.jo.pk)
    _open(world, "NS-3", "critical", world.jo.pk)
    html = page_text(as_user("sam").get(reverse("web:cases")))
    assert html.index("NS-3") < html.index("NS-1") < html.index("NS-2")
    assert "Risk: Critical" in html


def test_mine_shows_only_my_cases(world: World, as_user) -> None:
    _open(world, "NS-2", "low", world.jo.pk)
    html = page_text(as_user("sam").get(reverse("web:cases") + "?mine=1"))
    assert "NS-1" in html
    assert "NS-2" not in html


def test_case_list_is_audited(world: World, as_user) -> None:
    as_user("sam").get(reverse("web:cases"))
    assert AuditEntry.objects.filter(action="case.listed", actor=world.sam).count() == 1


def test_outsider_sees_only_their_own_teams_cases(world: World, as_user) -> None:
    html = page_text(as_user("kim").get(reverse("web:cases")))
    assert "RS-1" in html
    assert "NS-1" not in html


def test_org_admin_gets_403_for_case_content(world: World, as_user) -> None:
    assert as_user("admin").get(reverse("web:cases")).status_code == 403
    assert 'href="/cases/"' not in page_text(as_user("admin").get(reverse("web:team")))


def test_case_page_shows_the_risk_history_and_is_audited(world: World, as_user) -> None:
    cases.change_risk(
        actor=world.priya, case=world.sams_case, level="critical", reason="Missing overnight."
    )
    html = page_text(as_user("jo").get(reverse("web:case", args=[world.sams_case.pk])))
    history = html[html.index('id="risk-history"') :]
    assert history.index("From High to Critical") < history.index("Opened at High")
    assert "Missing overnight." in history
    assert "Priya, " in history
    assert AuditEntry.objects.filter(action="case.viewed", actor=world.jo).count() == 1


def test_outsider_gets_404_for_another_teams_case(world: World, as_user) -> None:
    kim = as_user("kim")
    assert kim.get(reverse("web:case", args=[world.sams_case.pk])).status_code == 404
    assert kim.get(reverse("web:case_edit", args=[world.sams_case.pk])).status_code == 404
    response = kim.post(
        reverse("web:case_risk", args=[world.sams_case.pk]), {"risk_level": "low", "reason": "x"}
    )
    assert response.status_code == 404
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "high"


def test_keyworker_changes_the_risk_level_saying_why(world: World, as_user) -> None:
    client = as_user("sam")
    url = reverse("web:case", args=[world.sams_case.pk])
    response = client.post(
        reverse("web:case_risk", args=[world.sams_case.pk]),
        {"risk_level": "critical", "reason": "Went missing last night."},
    )
    assert response["Location"] == url
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "critical"
    assert "From High to Critical" in page_text(client.get(url))


def test_same_risk_level_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(
        reverse("web:case_risk", args=[world.sams_case.pk]),
        {"risk_level": "high", "reason": "Still worried."},
    )
    assert refused(response, "The risk level is already high.")
    assert 'aria-describedby="id_risk_level_error"' in page_text(response)


def test_phone_number_in_a_reason_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(
        reverse("web:case_risk", args=[world.sams_case.pk]),
        {"risk_level": "critical", "reason": "Mum rang from 07700 900123."},
    )
    assert refused(
        response,
        "This looks like a phone number. Cases are pseudonymised: leave out names, addresses, "
        "contact details and dates of birth.",
    )
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "high"


def test_administrator_gets_403_for_a_risk_change(world: World, as_user) -> None:
    html = page_text(as_user("dee").get(reverse("web:case", args=[world.sams_case.pk])))
    assert "Change the risk level" not in html
    response = as_user("dee").post(
        reverse("web:case_risk", args=[world.sams_case.pk]),
        {"risk_level": "low", "reason": "Settled."},
    )
    assert response.status_code == 403
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "high"


def test_new_case_form_warns_what_never_to_type(as_user) -> None:
    assert WARNING in page_text(as_user("sam").get(reverse("web:case_new")))


def test_keyworker_opens_a_case(world: World, as_user) -> None:
    response = as_user("sam").post(reverse("web:case_new"), _new_case(world))
    case = Case.objects.get(team=world.northside, reference="NS-7")
    assert response["Location"] == reverse("web:case", args=[case.pk])
    assert (case.initials, case.age_band, case.risk_level) == ("KT", "15_17", "medium")
    assert set(case.keyworkers.all()) == {world.sam, world.jo}


def test_a_name_where_initials_belong_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(reverse("web:case_new"), _new_case(world, initials="Kyle"))
    assert refused(response, "Initials only: one to three letters, e.g. “JT”. Never a name.")
    assert WARNING in page_text(response)
    assert not Case.objects.filter(reference="NS-7").exists()


def test_duplicate_reference_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(reverse("web:case_new"), _new_case(world, reference="NS-1"))
    assert refused(response, "The team already has a case with reference NS-1.")
    assert 'aria-describedby="id_reference_helptext id_reference_error"' in page_text(response)


def test_administrator_gets_403_for_opening_a_case(world: World, as_user) -> None:
    assert as_user("dee").get(reverse("web:case_new")).status_code == 403
    assert as_user("dee").post(reverse("web:case_new"), _new_case(world)).status_code == 403
    assert not Case.objects.filter(reference="NS-7").exists()


def test_keyworker_corrects_a_case(world: World, as_user) -> None:
    url = reverse("web:case_edit", args=[world.sams_case.pk])
    client = as_user("sam")
    assert 'value="JT"' in page_text(client.get(url))
    response = client.post(
        url, {"initials": "j.t.", "age_band": "18_21", "keyworkers": [world.jo.pk]}
    )
    assert response["Location"] == reverse("web:case", args=[world.sams_case.pk])
    world.sams_case.refresh_from_db()
    assert (world.sams_case.initials, world.sams_case.age_band) == ("JT", "18_21")
    assert list(world.sams_case.keyworkers.all()) == [world.jo]


def test_keyworker_from_another_team_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(
        reverse("web:case_edit", args=[world.sams_case.pk]),
        {"initials": "JT", "age_band": "15_17", "keyworkers": [world.lee.pk]},
    )
    assert refused(response, f"Select a valid choice. {world.lee.pk} is not one of the available")
    assert list(world.sams_case.keyworkers.all()) == [world.sam]


def test_administrator_gets_403_for_editing_a_case(world: World, as_user) -> None:
    url = reverse("web:case_edit", args=[world.sams_case.pk])
    assert as_user("dee").get(url).status_code == 403


def test_a_name_in_a_correction_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(
        reverse("web:case_edit", args=[world.sams_case.pk]),
        {"initials": "Jamie", "age_band": "15_17", "keyworkers": [world.sam.pk]},
    )
    assert refused(response, "Initials only: one to three letters, e.g. “JT”. Never a name.")
    world.sams_case.refresh_from_db()
    assert world.sams_case.initials == "JT"
