"""The background task that delivers and processes the messages between provinces (django-tasks: the job worker,
`manage.py jobs_worker`, runs it). Enqueued after a send when XUEJI_HUB_AFTER_SEND is "enqueue"; the worker also
runs the same work every minute by itself (the hub's periodic work: retries), as does `manage.py hub_run`."""

from django_tasks import task

from xueji.hub.services import hub_run


@task()
def hub_run_task() -> dict:
    return hub_run()
