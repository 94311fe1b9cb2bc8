/// The Python reference's own units, as REFERENCE.md describes them, for the tests of
/// `migrate`: quoted arguments over continuation lines, a log file relative to
/// WorkingDirectory=, an ExecStart= naming a `.sh` its directory does not contain, and a timer
/// tied to the service it watches.
public enum ReferenceUnits {
  public static let service = """
    [Unit]
    Description=WebSocket health check
    Wants=network-online.target
    After=network-online.target

    [Service]
    Type=oneshot
    WorkingDirectory=/opt/websocket-health-check
    ExecStart=/opt/websocket-health-check/websocket-health-check.sh \\
        "ws://localhost:8092" \\
        "openems-backend.service" \\
        --threshold 6 \\
        --state-file /tmp/websocket-health-check/failcount \\
        --log-file ./trigger.log

    [Install]
    WantedBy=multi-user.target
    Also=websocket-health-check.timer
    """

  public static let timer = """
    [Unit]
    Description=Run WebSocket health check every 15 seconds
    PartOf=openems-backend.service
    Requires=openems-backend.service

    [Timer]
    OnBootSec=15
    OnUnitActiveSec=15s
    AccuracySec=1s
    Unit=websocket-health-check.service
    """
}
