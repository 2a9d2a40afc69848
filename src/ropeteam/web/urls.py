from django.contrib.auth import views as auth_views
from django.urls import path, register_converter, reverse_lazy

from ropeteam.web import views
from ropeteam.web.views import security, signin
from ropeteam.web.views.device import LogoutView
from ropeteam.web.views.signin import SignInView


class IdConverter:
    """A database id: at most 18 digits, so a longer number is a 404, not a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

app_name = "web"
urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("login/second-step/", signin.second_step, name="login_second"),
    path("login/passkey/options/", signin.passkey_options, name="login_passkey_options"),
    path("login/passkey/", signin.passkey_signin, name="login_passkey"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="web/reset.html", success_url=reverse_lazy("web:reset_done")
        ),
        name="reset",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="web/reset_done.html"),
        name="reset_done",
    ),
    path("join/<str:token>/", views.join, name="join"),
    path("", views.home, name="home"),
    path("availability/", views.availability, name="availability"),
    path("team/", views.team_board, name="team"),
    path("team/members/<id:user_id>/", views.member_detail, name="member"),
    path("team/members/<id:user_id>/rope/", views.member_rope, name="member_rope"),
    path("team/members/<id:user_id>/change/", views.member_change, name="member_change"),
    path("team/members/<id:user_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "team/members/<id:user_id>/reset-factors/",
        security.member_reset_factors,
        name="member_reset_factors",
    ),
    path("team/invitations/", views.invitations, name="invitations"),
    path(
        "team/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("team/rota/", views.rota, name="rota"),
    path("team/rota/add/", views.shift_add, name="shift_add"),
    path("team/rota/<id:shift_id>/remove/", views.shift_remove, name="shift_remove"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<id:case_id>/", views.case_detail, name="case"),
    path("cases/<id:case_id>/risk/", views.case_risk, name="case_risk"),
    path("cases/<id:case_id>/edit/", views.case_edit, name="case_edit"),
    path("conversations/", views.conversation_list, name="conversations"),
    path(
        "conversations/<id:conversation_id>/",
        views.conversation_detail,
        name="conversation",
    ),
    path(
        "team/members/<id:user_id>/message/",
        views.conversation_start,
        name="conversation_start",
    ),
    path("thinking/", views.thinking_history, name="thinking_history"),
    path("thinking/new/", views.thinking_ask, name="thinking_new"),
    path("thinking/quick/", views.thinking_quick, name="thinking_quick"),
    path("thinking/activity/", views.thinking_activity, name="thinking_activity"),
    path("thinking/<id:consultation_id>/", views.thinking_session, name="thinking"),
    path("thinking/<id:consultation_id>/accept/", views.thinking_accept, name="thinking_accept"),
    path("thinking/<id:consultation_id>/decline/", views.thinking_decline, name="thinking_decline"),
    path("thinking/<id:consultation_id>/cancel/", views.thinking_cancel, name="thinking_cancel"),
    path("thinking/<id:consultation_id>/step/", views.thinking_move, name="thinking_move"),
    path("thinking/<id:consultation_id>/invite/", views.thinking_invite, name="thinking_invite"),
    path(
        "thinking/<id:consultation_id>/facilitator/",
        views.thinking_facilitate,
        name="thinking_facilitate",
    ),
    path("thinking/<id:consultation_id>/outcome/", views.thinking_outcome, name="thinking_outcome"),
    path("thinking/<id:consultation_id>/shared/", views.thinking_share, name="thinking_share"),
    path(
        "thinking/<id:consultation_id>/emergency/",
        views.emergency_acknowledge,
        name="emergency_acknowledge",
    ),
    path(
        "urgent-messages/<id:check_id>/acknowledge/",
        views.urgent_acknowledge,
        name="urgent_acknowledge",
    ),
    path("thinking/actions/<id:action_id>/done/", views.thinking_action_done, name="action_done"),
    path(
        "thinking/agenda/<id:item_id>/taken/",
        views.thinking_agenda_taken,
        name="thinking_agenda_taken",
    ),
    path("concerns/", views.concern_list, name="concerns"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/activity/", views.concern_activity, name="concern_activity"),
    path("concerns/settings/", views.concern_times, name="concern_times"),
    path("concerns/<id:concern_id>/", views.concern_detail, name="concern"),
    path("concerns/<id:concern_id>/respond/", views.concern_respond, name="concern_respond"),
    path("concerns/<id:concern_id>/step-up/", views.concern_step_up, name="concern_step_up"),
    path("concerns/<id:concern_id>/challenge/", views.concern_challenge, name="concern_challenge"),
    path("concerns/<id:concern_id>/resolve/", views.concern_resolve, name="concern_resolve"),
    path("concerns/<id:concern_id>/on-it/", views.concern_take_on, name="concern_take_on"),
    path("visits/", views.visit_board, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/chain/", views.visit_chain, name="visit_chain"),
    path("visits/<id:visit_id>/", views.visit_detail, name="visit"),
    path("visits/<id:visit_id>/rope/", views.visit_hold, name="visit_hold"),
    path("visits/<id:visit_id>/hand-over/", views.visit_hand_over, name="visit_hand_over"),
    path("visits/<id:visit_id>/check-in/", views.visit_check_in, name="visit_check_in"),
    path("visits/<id:visit_id>/extend/", views.visit_extend, name="visit_extend"),
    path("visits/<id:visit_id>/end/", views.visit_end, name="visit_end"),
    path("visits/<id:visit_id>/alarm/", views.visit_alarm, name="visit_alarm"),
    # The out-of-hours contact's e-mailed "I'm on it" link: no sign-in (visits.links).
    path("visits/<id:visit_id>/on-it/<str:token>/", views.visit_on_it, name="visit_on_it"),
    path(
        "visits/alerts/<id:escalation_id>/acknowledge/",
        views.visit_acknowledge,
        name="visit_acknowledge",
    ),
    path("visits/alerts/<id:escalation_id>/resolve/", views.visit_resolve, name="visit_resolve"),
    path("settings/tokens/", views.tokens, name="tokens"),
    path("settings/devices/", views.devices, name="devices"),
    path(
        "settings/devices/<id:session_id>/sign-out/",
        views.device_sign_out,
        name="device_sign_out",
    ),
    path(
        "settings/devices/sign-out-others/", views.devices_sign_out_others, name="sign_out_others"
    ),
    path(
        "settings/devices/sign-out-everything/",
        views.devices_sign_out_everything,
        name="sign_out_everything",
    ),
    path("settings/password/", views.password_change, name="password_change"),
    path("team/members/<id:user_id>/sign-out/", views.member_sign_out, name="member_sign_out"),
    path("settings/security/", security.security, name="security"),
    path("settings/security/totp/", security.totp_start, name="totp_start"),
    path("settings/security/totp/confirm/", security.totp_confirm, name="totp_confirm"),
    path("settings/security/totp/remove/", security.totp_remove, name="totp_remove"),
    path("settings/security/recovery-codes/", security.recovery_codes, name="recovery_codes"),
    path(
        "settings/security/passkeys/options/",
        security.passkey_options,
        name="passkey_options",
    ),
    path("settings/security/passkeys/", security.passkey_add, name="passkey_add"),
    path(
        "settings/security/passkeys/<id:passkey_id>/remove/",
        security.passkey_remove,
        name="passkey_remove",
    ),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("settings/notifications/", views.notifications, name="notifications"),
    path("settings/notifications/email/", views.notify_email, name="notify_email"),
    path(
        "settings/notifications/email/remove/",
        views.notify_email_remove,
        name="notify_email_remove",
    ),
    path("settings/notifications/verify/", views.notify_email_verify, name="notify_email_verify"),
    path("settings/notifications/phone/", views.notify_phone, name="notify_phone"),
    path("settings/notifications/quiet/", views.notify_quiet_hours, name="notify_quiet_hours"),
    path(
        "settings/notifications/devices/<id:device_id>/test/",
        views.notify_device_test,
        name="notify_device_test",
    ),
    path(
        "settings/notifications/devices/<id:device_id>/remove/",
        views.notify_device_remove,
        name="notify_device_remove",
    ),
    path("settings/tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("teams/", views.teams, name="teams"),
    path("teams/<id:team_id>/choose/", views.team_choose, name="team_choose"),
    path("teams/<id:organisation_id>/new/", views.team_new, name="team_new"),
]
