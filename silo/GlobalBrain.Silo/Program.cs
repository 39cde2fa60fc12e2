using GlobalBrain.Silo.Hosting;

WebApplication app;
try
{
    app = SiloApp.Build(args);
}
catch (InvalidSettingsException e)
{
    Console.Error.WriteLine($"globalbrain-silo: {e.Message}");
    return 2;
}

if (await SiloApp.CheckDependenciesAsync(app) is { } unreachable)
{
    Console.Error.WriteLine($"globalbrain-silo: {unreachable}");
    return 1;
}

try
{
    await app.RunAsync();
    return 0;
}
catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.InnerException?.GetType().Name == "AddressInUseException" || e.GetType().Name == "AddressInUseException")
{
    Console.Error.WriteLine($"globalbrain-silo: cannot listen: {e.Message} (change --urls / ASPNETCORE_URLS or GlobalBrain:Cluster:SiloPort / GatewayPort)");
    return 1;
}
catch (Exception e) when (SiloApp.DescribeStartFailure(e) is { } message)
{
    Console.Error.WriteLine($"globalbrain-silo: {message}");
    return 1;
}
