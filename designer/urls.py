from django.urls import path

from designer import views

urlpatterns = [
    path("definitions/", views.DefinitionListView.as_view(), name="definition-list"),
    path("definitions/import/", views.ImportView.as_view(), name="definition-import"),
    path("definitions/<slug:key>/", views.DefinitionDetailView.as_view(), name="definition-detail"),
    path("definitions/<slug:key>/archive/", views.DefinitionArchiveView.as_view(), name="definition-archive"),
    path("definitions/<slug:key>/unarchive/", views.DefinitionArchiveView.as_view(archive=False),
         name="definition-unarchive"),
    path("definitions/<slug:key>/history/", views.DefinitionHistoryView.as_view(), name="definition-history"),
    path("definitions/<slug:key>/validate/", views.ValidateView.as_view(), name="definition-validate"),
    path("definitions/<slug:key>/export/", views.ExportView.as_view(), name="definition-export"),
    path("definitions/<slug:key>/versions/", views.VersionListView.as_view(), name="version-list"),
    path("definitions/<slug:key>/versions/<int:number>/", views.VersionDetailView.as_view(), name="version-detail"),
    path("definitions/<slug:key>/versions/<int:number>/publish/", views.VersionPublishView.as_view(),
         name="version-publish"),
    path("definitions/<slug:key>/versions/<int:a>/diff/<int:b>/", views.VersionDiffView.as_view(),
         name="version-diff"),
    path("definitions/<slug:key>/test-runs/", views.TestRunView.as_view(), name="definition-test-run"),
    path("activities/", views.ActivityListView.as_view(), name="activity-list"),
    path("node-types/", views.NodeTypeListView.as_view(), name="node-type-list"),
]
