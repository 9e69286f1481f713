app_name = "sms"
urlpatterns: list = []
