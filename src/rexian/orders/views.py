from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def order_list(request):
    return HttpResponse("orders")


intake = overview = order_list


@login_required
def detail(request, number):
    return HttpResponse(number)
