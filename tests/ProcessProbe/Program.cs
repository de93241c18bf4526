// The parent process that Hosting.Tests kills (or lets end) to check what happens to the children it started.
// It prints one line describing them, then waits to be killed, except in "fixture" mode, where it ends normally.
using Npgsql;
using Shop.Hosting;
using Shop.Testing;

switch (args)
{
    case ["sleep"]:
        var sleep = ChildProcess.Start(new("sleep", ["300"]));
        Console.WriteLine($"child {sleep.Id}");
        await Task.Delay(Timeout.Infinite);
        break;

    case ["postgres"]:
        var postgres = await EmbeddedPostgres.StartAsync();
        Console.WriteLine($"postgres {postgres.ProcessId} {postgres.DataDirectory}");
        await Task.Delay(Timeout.Infinite);
        break;

    case ["fixture"]:
        await using (var database = await PostgresDatabase.CreateAsync("probe"))
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
        }

        var server = await TestPostgres.Server;
        Console.WriteLine(server is EmbeddedPostgres embedded
            ? $"postgres {embedded.ProcessId} {embedded.DataDirectory}"
            : $"external {PostgresServer.Redact(server.ConnectionString)}");
        break; // ending here runs ProcessExit, which stops the shared cluster

    case ["stop-int"]:
        // Started with SIGINT ignored, as a background job of a non-interactive shell is: the child must still trap it.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var trapping = ChildProcess.Start(new("sh", ["-c", "trap 'echo got INT; exit 0' INT; echo ready; while :; do sleep 0.1; done"])
        {
            StopSignal = System.Runtime.InteropServices.PosixSignal.SIGINT,
            StopTimeout = TimeSpan.FromSeconds(30),
            Output = line => { if (line.Text == "ready") ready.TrySetResult(); },
        }))
        {
            await ready.Task;
            var code = await trapping.StopAsync();
            Console.WriteLine($"stopped {code} {(trapping.RecentOutput.Contains("got INT") ? "trapped" : "untrapped")}");
        }

        break;

    default:
        Console.Error.WriteLine("usage: ProcessProbe sleep|postgres|fixture|stop-int");
        return 2;
}

return 0;
