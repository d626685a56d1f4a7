"""What the Python client scripts share: running one check into the report, and the steps
every client takes after it connects."""


async def check(name, report, action):
    """Runs `action`, putting its value, or "error: ..." when it raises, under `name`."""
    try:
        report[name] = await action()
    except Exception as error:  # the report says what failed; the test decides
        while isinstance(error, BaseExceptionGroup) and error.exceptions:
            error = error.exceptions[0]  # anyio wraps a task's failure: report the failure itself
        report[name] = f"error: {type(error).__name__}: {error}"


async def start(session, era, report):
    """Opens the session in `era` (discover or initialize) and reports version and server name."""
    if era == "modern":
        await session.discover()
    else:
        await session.initialize()
    report["protocolVersion"] = session.protocol_version
    report["serverName"] = session.server_info.name if session.server_info else None


async def tool_names(session):
    """Every tool's name, through every page, sorted."""
    names, cursor = [], None
    while True:
        page = await session.list_tools(cursor=cursor) if cursor else await session.list_tools()
        names += [tool.name for tool in page.tools]
        cursor = page.next_cursor
        if not cursor:
            return sorted(names)
