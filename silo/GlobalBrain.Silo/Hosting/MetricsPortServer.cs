using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace GlobalBrain.Silo.Hosting;

/// <summary>
/// Serves <c>GlobalBrain:Metrics:Port</c> (<c>/metrics</c> and the health probes) from one dedicated thread,
/// not from the thread pool. Under load the silo's thread pool is a long queue of grain work; a request
/// Kestrel accepts waits its turn in that queue (seconds at 10^5 spreading experts), so a scrape timed how
/// busy the silo was rather than what it costs. Here the socket work and the request run from this thread,
/// which the OS schedules beside the pool's threads, and so does the collection (<see cref="PrometheusTextExposition"/>).
/// </summary>
/// <remarks>
/// HTTP/1.1 GET and HEAD with keep-alive (anything else: 404 off the three paths, 405 on them; a request with a body is answered and its connection closed), headers up to 16 KB, at most 64 connections,
/// idle ones closed after a minute. Each request runs the ASP.NET pipeline <see cref="SiloApp"/> builds for
/// this port (<see cref="PrometheusTextExposition"/>, which collects synchronously on this thread, and the health checks) on a
/// <see cref="DefaultHttpContext"/>, and waits for it here. OpenTelemetry's own Prometheus middleware is not used on this port:
/// it hands each collection to the thread pool with <c>Task.Run</c>, and at 10^6 spreading experts perf showed this thread
/// waiting 0.3–4 s for it. Health checks still hop to the thread pool (the health service runs checks as tasks) — probes
/// belong on the API port anyway (see the manifests).
/// </remarks>
internal sealed partial class MetricsPortServer : IDisposable
{
    private const int MaxConnections = 64;
    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SlowRequest = TimeSpan.FromSeconds(1);
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly HashSet<string> Served = new(["/metrics", "/healthz/live", "/healthz/ready"], StringComparer.OrdinalIgnoreCase);

    private readonly List<Socket> _listeners = [];
    private readonly Dictionary<Socket, Connection> _connections = [];
    private readonly RequestDelegate _pipeline;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopping;

    private MetricsPortServer(IReadOnlyList<IPEndPoint> endpoints, RequestDelegate pipeline, IServiceProvider services, ILogger logger)
    {
        _pipeline = pipeline;
        _services = services;
        _logger = logger;
        try
        {
            foreach (var endpoint in endpoints)
            {
                var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                _listeners.Add(listener);
                if (endpoint.Address.Equals(IPAddress.IPv6Any))
                {
                    listener.DualMode = true;
                }

                listener.Bind(endpoint);
                listener.Listen(128);
            }
        }
        catch (SocketException e)
        {
            Dispose();
            throw new InvalidSettingsException([$"GlobalBrain:Metrics:Port (GlobalBrain__Metrics__Port): cannot listen on {string.Join(", ", endpoints)}: {e.Message}; choose a free port"]);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "globalbrain-metrics-port" };
    }

    /// <summary>The endpoints the server listens on (with the port the OS chose when asked for 0).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints => [.. _listeners.Select(l => (IPEndPoint)l.LocalEndPoint!)];

    /// <summary>Binds <paramref name="port"/> on the interface of <paramref name="host"/> (the API URL's host) and starts serving.</summary>
    /// <exception cref="InvalidSettingsException">The port cannot be bound.</exception>
    public static MetricsPortServer Start(string host, int port, RequestDelegate pipeline, IServiceProvider services, ILogger logger)
    {
        var server = new MetricsPortServer(EndpointsOf(host, port), pipeline, services, logger);
        server._thread.Start();
        return server;
    }

    /// <summary>Where Kestrel would listen for <paramref name="host"/>: loopback for localhost, every interface for <c>*</c>, <c>+</c> and names.</summary>
    internal static IReadOnlyList<IPEndPoint> EndpointsOf(string host, int port)
    {
        var bare = host.Trim('[', ']');
        if (string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [new IPEndPoint(IPAddress.Loopback, port)];
        }

        if (IPAddress.TryParse(bare, out var address))
        {
            return [new IPEndPoint(address, port)];
        }

        return [Socket.OSSupportsIPv6 ? new IPEndPoint(IPAddress.IPv6Any, port) : new IPEndPoint(IPAddress.Any, port)];
    }

    public void Dispose()
    {
        _stopping = true;
        if (_thread is { IsAlive: true } && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }

        _connections.Clear();
    }

    private void Run()
    {
        var ready = new List<Socket>(MaxConnections + _listeners.Count);
        while (!_stopping)
        {
            ready.Clear();
            ready.AddRange(_listeners);
            ready.AddRange(_connections.Keys);
            try
            {
                Socket.Select(ready, null, null, 200_000);
            }
            catch (SocketException e)
            {
                LogSelectFailed(_logger, e);
                continue;
            }

            foreach (var socket in ready)
            {
                if (_listeners.Contains(socket))
                {
                    Accept(socket);
                }
                else if (!Receive(socket, _connections[socket]))
                {
                    Close(socket);
                }
            }

            var now = Environment.TickCount64;
            foreach (var (socket, connection) in _connections.Where(c => now - c.Value.LastActive > IdleTimeout.TotalMilliseconds).ToList())
            {
                Close(socket);
            }
        }
    }

    private void Accept(Socket listener)
    {
        Socket socket;
        try
        {
            socket = listener.Accept();
        }
        catch (SocketException)
        {
            return;
        }

        if (_connections.Count >= MaxConnections)
        {
            socket.Dispose();
            return;
        }

        socket.NoDelay = true;
        socket.SendTimeout = 10_000;
        _connections[socket] = new Connection();
    }

    private void Close(Socket socket)
    {
        _connections.Remove(socket);
        socket.Dispose();
    }

    /// <returns>false when the connection is to be closed.</returns>
    private bool Receive(Socket socket, Connection connection)
    {
        int read;
        try
        {
            read = socket.Receive(connection.Buffer, connection.Length, connection.Buffer.Length - connection.Length, SocketFlags.None);
        }
        catch (SocketException)
        {
            return false;
        }

        if (read == 0)
        {
            return false;
        }

        connection.Length += read;
        connection.LastActive = Environment.TickCount64;
        while (connection.Buffer.AsSpan(0, connection.Length).IndexOf(HeaderEnd) is var end and >= 0)
        {
            var headLength = end + HeaderEnd.Length;
            var keepAlive = Serve(socket, Encoding.Latin1.GetString(connection.Buffer, 0, end));
            connection.Buffer.AsSpan(headLength, connection.Length - headLength).CopyTo(connection.Buffer);
            connection.Length -= headLength;
            if (!keepAlive)
            {
                return false;
            }
        }

        if (connection.Length == connection.Buffer.Length)
        {
            Send(socket, 431, "Request Header Fields Too Large", [], "request headers over 16 KB\n"u8.ToArray(), head: false, keepAlive: false);
            return false;
        }

        return true;
    }

    /// <returns>Whether the connection stays open.</returns>
    private bool Serve(Socket socket, string head)
    {
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            Send(socket, 400, "Bad Request", [], "not an HTTP/1.x request line\n"u8.ToArray(), head: false, keepAlive: false);
            return false;
        }

        var context = new DefaultHttpContext { RequestServices = _services };
        var request = context.Request;
        request.Method = parts[0];
        request.Protocol = parts[2];
        request.Scheme = "http";
        var target = parts[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        request.Path = query < 0 ? target : target[..query];
        request.QueryString = query < 0 ? QueryString.Empty : new QueryString(target[query..]);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                Send(socket, 400, "Bad Request", [], "malformed header line\n"u8.ToArray(), head: false, keepAlive: false);
                return false;
            }

            var name = line[..colon].Trim();
            request.Headers[name] = StringValues.Concat(request.Headers[name], line[(colon + 1)..].Trim());
        }

        var keepAlive = parts[2] == "HTTP/1.1"
            ? !string.Equals(request.Headers.Connection, "close", StringComparison.OrdinalIgnoreCase)
            : string.Equals(request.Headers.Connection, "keep-alive", StringComparison.OrdinalIgnoreCase);
        // Bodies are not read: a request with one is answered and its connection closed.
        var hasBody = request.Headers.ContentLength is > 0 || request.Headers.ContainsKey("Transfer-Encoding");
        keepAlive &= !hasBody;
        if (!Served.Contains(request.Path.Value ?? ""))
        {
            Send(socket, 404, null, [], "this port serves /metrics, /healthz/live and /healthz/ready only\n"u8.ToArray(), head: false, keepAlive);
            return keepAlive;
        }

        var isHead = HttpMethods.IsHead(request.Method);
        if ((!HttpMethods.IsGet(request.Method) && !isHead) || hasBody)
        {
            Send(socket, 405, null, [new("Allow", "GET, HEAD")], [], head: false, keepAlive);
            return keepAlive;
        }

        request.Method = HttpMethods.Get;
        using var body = new MemoryStream();
        context.Response.Body = body;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var pausedBefore = GC.GetTotalPauseDuration();
        try
        {
            _pipeline(context).GetAwaiter().GetResult();
            var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (took > SlowRequest)
            {
                var paused = GC.GetTotalPauseDuration() - pausedBefore;
                LogSlowRequest(_logger, request.Path.Value, took.TotalMilliseconds, paused.TotalMilliseconds);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogRequestFailed(_logger, e, request.Path.Value);
            Send(socket, 500, "Internal Server Error", [], [], head: false, keepAlive: false);
            return false;
        }

        var headers = context.Response.Headers
            .Where(h => !string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(h => new KeyValuePair<string, string>(h.Key, h.Value.ToString()))
            .ToList();
        return Send(socket, context.Response.StatusCode, null, headers, body.ToArray(), isHead, keepAlive) && keepAlive;
    }

    private static bool Send(Socket socket, int status, string? reason, List<KeyValuePair<string, string>> headers, byte[] body, bool head, bool keepAlive)
    {
        var text = new StringBuilder(256);
        text.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {reason ?? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
        text.Append(keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
        try
        {
            socket.Send(Encoding.Latin1.GetBytes(text.ToString()));
            if (!head && body.Length > 0)
            {
                socket.Send(body);
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics port: select failed; retrying")]
    private static partial void LogSelectFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics port: {Path} failed")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string? path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics port: {Path} took {Milliseconds:F0} ms, of which the GC paused the process {PauseMilliseconds:F0} ms")]
    private static partial void LogSlowRequest(ILogger logger, string? path, double milliseconds, double pauseMilliseconds);

    private sealed class Connection
    {
        public byte[] Buffer { get; } = new byte[MaxHeaderBytes];

        public int Length { get; set; }

        public long LastActive { get; set; } = Environment.TickCount64;
    }
}

/// <summary>Starts and stops the <see cref="MetricsPortServer"/> with the host, on the API's interface; <see cref="SiloApp"/> gives it its pipeline.</summary>
internal sealed class MetricsPortHost(IConfiguration configuration, IServiceProvider services, ILogger<MetricsPortServer> logger) : IHostedService
{
    private MetricsPortServer? _server;

    /// <summary>What the port serves (set by <see cref="SiloApp"/> once the application is built).</summary>
    public RequestDelegate? Pipeline { get; set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var port = SiloSettings.Read<GlobalBrain.Grains.Telemetry.MetricsOptions>(configuration, GlobalBrain.Grains.Telemetry.MetricsOptions.SectionName).Port;
        var pipeline = Pipeline ?? throw new InvalidOperationException("the metrics port's pipeline was not built (SiloApp.Build sets it)");
        var host = Microsoft.AspNetCore.Http.BindingAddress.Parse(ListenAddresses.Of(configuration)[0]).Host;
        _server = MetricsPortServer.Start(host, port, pipeline, services, logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }
}
