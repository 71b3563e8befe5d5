from django.urls import path

from alerts import views

urlpatterns = [
    path("rules/", views.RuleListView.as_view(), name="alert-rules"),
    path("rules/<str:rule_id>/", views.RuleDetailView.as_view(), name="alert-rule"),
    path("rules/<str:rule_id>/test/", views.RuleTestView.as_view(), name="alert-rule-test"),
    path("states/", views.StateListView.as_view(), name="alert-states"),
    path("messages/", views.MessageListView.as_view(), name="alert-messages"),
]
