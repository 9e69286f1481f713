from django.urls import reverse
def test_peek(client, users):
    client.force_login(users["agent"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    s = html.index('<header class="topbar">'); print(html[s:html.index("</header>", s)+9])
    s = html.index('class="greeting"'); print(html[s:s+120])
