from django.contrib.auth.decorators import login_not_required
from django.http import Http404


@login_not_required
def metrics(request):
    raise Http404
