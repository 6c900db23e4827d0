import socket

from celery import shared_task

from .services import heartbeat_record


@shared_task(
    name="govgrid.heartbeat",
    ignore_result=True,
    time_limit=30,
    soft_time_limit=20,
    autoretry_for=(Exception,),
    retry_kwargs={"max_retries": 3, "countdown": 5},
)
def heartbeat() -> int:
    """Beat queues this every minute; a worker running it proves both are alive."""
    return heartbeat_record(name="celery", hostname=socket.gethostname()).pk
