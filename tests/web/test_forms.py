"""`submit`: an action's refusal lands on the field it names, as the form itself calls it."""

from typing import Any, NoReturn

from django import forms

from ropeteam.core.errors import InvalidInput
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.cases import RiskForm


def _refuse(field: str) -> Any:
    def act(_data: dict[str, Any]) -> NoReturn:
        raise InvalidInput("Not like that.", field=field)

    return act


class LevelForm(forms.Form):
    level = forms.CharField()


def test_a_refusal_goes_on_the_field_the_action_names() -> None:
    form = LevelForm({"level": "probe"})
    assert submit(form, _refuse("level")) is REFUSED
    assert form.errors == {"level": ["Not like that."]}


def test_a_form_names_its_own_field_for_an_actions_argument() -> None:
    form = RiskForm({"risk_level": "high", "reason": "Still worried."})
    assert submit(form, _refuse("level")) is REFUSED
    assert form.errors == {"risk_level": ["Not like that."]}


def test_an_argument_the_form_does_not_show_goes_on_the_whole_form() -> None:
    form = LevelForm({"level": "probe"})
    assert submit(form, _refuse("holders")) is REFUSED
    assert form.errors == {"__all__": ["Not like that."]}
