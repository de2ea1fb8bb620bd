from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("invitations/", views.invitation_accept, name="invitation-accept-base"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
