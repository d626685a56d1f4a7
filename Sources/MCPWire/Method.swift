/// Method names of every revision.
public enum Method {
    public static let initialize = "initialize"
    public static let ping = "ping"
    public static let discover = "server/discover"
    public static let subscriptionsListen = "subscriptions/listen"

    public static let toolsList = "tools/list"
    public static let toolsCall = "tools/call"
    public static let resourcesList = "resources/list"
    public static let resourceTemplatesList = "resources/templates/list"
    public static let resourcesRead = "resources/read"
    public static let resourcesSubscribe = "resources/subscribe"
    public static let resourcesUnsubscribe = "resources/unsubscribe"
    public static let promptsList = "prompts/list"
    public static let promptsGet = "prompts/get"
    public static let complete = "completion/complete"
    public static let loggingSetLevel = "logging/setLevel"

    public static let samplingCreateMessage = "sampling/createMessage"
    public static let elicitationCreate = "elicitation/create"
    public static let rootsList = "roots/list"
}

/// Notification names of every revision.
public enum NotificationMethod {
    public static let initialized = "notifications/initialized"
    public static let cancelled = "notifications/cancelled"
    public static let progress = "notifications/progress"
    public static let message = "notifications/message"
    public static let toolsListChanged = "notifications/tools/list_changed"
    public static let resourcesListChanged = "notifications/resources/list_changed"
    public static let resourceUpdated = "notifications/resources/updated"
    public static let promptsListChanged = "notifications/prompts/list_changed"
    public static let rootsListChanged = "notifications/roots/list_changed"
    public static let elicitationComplete = "notifications/elicitation/complete"
    public static let subscriptionsAcknowledged = "notifications/subscriptions/acknowledged"
}

/// Reserved `_meta` keys.
public enum MetaKey {
    public static let protocolVersion = "io.modelcontextprotocol/protocolVersion"
    public static let clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
    public static let clientInfo = "io.modelcontextprotocol/clientInfo"
    public static let serverInfo = "io.modelcontextprotocol/serverInfo"
    public static let logLevel = "io.modelcontextprotocol/logLevel"
    public static let subscriptionId = "io.modelcontextprotocol/subscriptionId"
    public static let progressToken = "progressToken"
    public static let traceparent = "traceparent"
    public static let tracestate = "tracestate"
    public static let baggage = "baggage"
}
