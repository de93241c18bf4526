using Grpc.Core;
using Polly.Registry;
using Shop.Contracts.Users.V1;
using Shop.Gateway.Dependencies;

namespace Shop.Gateway.Users;

/// <summary>The users service over gRPC, behind the users resilience pipeline (<see cref="UsersResilience"/>).</summary>
public sealed class UsersClient(
    UsersService.UsersServiceClient client, ResiliencePipelineProvider<string> pipelines, KnownUsers known, IOptions<GatewayOptions> options)
{
    public const string ServiceName = "users";

    private readonly Polly.ResiliencePipeline _pipeline = pipelines.GetPipeline(ServiceName);

    /// <summary>The user, or null when users says NOT_FOUND.</summary>
    public async Task<User?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            return await Call(new GetUserRequest { Id = id.ToString() }, client.GetUserAsync, idempotent: true, cancellationToken);
        }
        catch (DependencyException e) when (e.InnerException is RpcException { StatusCode: StatusCode.NotFound })
        {
            return null;
        }
    }

    /// <summary>
    /// True when the user exists: from <see cref="KnownUsers"/> when users confirmed it lately, else asked (GetUser),
    /// and remembered when found.
    /// </summary>
    public async Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken)
    {
        if (known.Contains(id))
        {
            return true;
        }

        if (await FindAsync(id, cancellationToken) is null)
        {
            return false;
        }

        known.Add(id);
        return true;
    }

    /// <summary>Creates a user; the users service owns the rules (valid fields, unique email).</summary>
    public async Task<CreateUserResult> CreateAsync(string name, string email, CancellationToken cancellationToken)
    {
        try
        {
            // Not retried: a retry after a lost answer would report the user's own email as taken.
            return new CreateUserResult.Created(await Call(new CreateUserRequest { Name = name, Email = email }, client.CreateUserAsync, idempotent: false, cancellationToken));
        }
        catch (DependencyException e) when (e.InnerException is RpcException { StatusCode: StatusCode.InvalidArgument } invalid)
        {
            return new CreateUserResult.Invalid(FieldError.FromDetail(invalid.Status.Detail));
        }
        catch (DependencyException e) when (e.InnerException is RpcException { StatusCode: StatusCode.AlreadyExists })
        {
            return new CreateUserResult.EmailTaken();
        }
    }

    private async Task<TResponse> Call<TRequest, TResponse>(
        TRequest request, Func<TRequest, CallOptions, AsyncUnaryCall<TResponse>> method, bool idempotent, CancellationToken cancellationToken)
    {
        try
        {
            return await UsersResilience.Run(_pipeline, idempotent, token =>
                new ValueTask<TResponse>(method(request,
                    new CallOptions(deadline: DateTime.UtcNow + options.Value.UsersTimeout, cancellationToken: token)).ResponseAsync), cancellationToken);
        }
        catch (Exception e) when (e is RpcException or Polly.ExecutionRejectedException)
        {
            throw new DependencyException(ServiceName, e);
        }
    }
}

/// <summary>What creating a user can end in.</summary>
public abstract record CreateUserResult
{
    public sealed record Created(User User) : CreateUserResult;

    public sealed record Invalid(FieldError Error) : CreateUserResult;

    public sealed record EmailTaken : CreateUserResult;
}

/// <summary>One field's validation error, as services report it in a status detail: "field: message".</summary>
public sealed record FieldError(string Field, string Message)
{
    public static FieldError FromDetail(string detail)
    {
        var colon = detail.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && !detail[..colon].Contains(' ', StringComparison.Ordinal)
            ? new FieldError(detail[..colon].Trim(), detail[(colon + 1)..].Trim())
            : new FieldError("", detail);
    }
}
