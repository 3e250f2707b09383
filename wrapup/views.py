from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("wrapup.use_workspace", raise_exception=True)
def workspace(request):
    return render(request, "wrapup/workspace.html", {})
