app_name = "explore"
urlpatterns = []
