using Grpc.Core;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Shop.Conventions;

namespace Shop.Payments.Faults;

/// <summary>Applies the current <see cref="FaultSettings"/> to a call; the settings can be swapped at any time.</summary>
internal sealed class FaultInjector(FaultSettings initial)
{
    private volatile FaultSettings _settings = initial;

    public FaultSettings Settings
    {
        get => _settings;
        set => _settings = value;
    }

    /// <summary>Waits the injected latency (ending early when the call is cancelled or its deadline passes), then maybe fails.</summary>
    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Fault injection needs spread, not secrecy.")]
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var settings = _settings;
        if (settings.Tenant is { } tenant && Activity.Current?.GetBaggageItem(TelemetryAttributes.TenantId) != tenant)
        {
            return;
        }

        var delayed = settings.LatencyRate >= 1 || Random.Shared.NextDouble() < settings.LatencyRate;
        var latency = settings.LatencyMs + (settings.LatencyJitterMs > 0 ? Random.Shared.Next(settings.LatencyJitterMs + 1) : 0);
        if (delayed && latency > 0)
        {
            // Its own span, so that a trace shows where the time went and that it was put there on purpose.
            using var span = PaymentsTelemetry.Source.StartActivity("injected latency");
            await Task.Delay(latency, cancellationToken);
        }

        if (settings.FailureRate > 0 && Random.Shared.NextDouble() < settings.FailureRate)
        {
            PaymentsTelemetry.CountOutcome(PaymentsTelemetry.InjectedFailure);
            throw new RpcException(new Status(StatusCode.Unavailable, "injected fault"));
        }
    }
}
