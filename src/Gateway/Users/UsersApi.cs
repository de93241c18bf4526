using Shop.Contracts;
using Shop.Contracts.Users.V1;
using Shop.Gateway.Orders;

namespace Shop.Gateway.Users;

/// <summary>/api/users: register and read users, list a user's orders.</summary>
public static class UsersApi
{
    /// <summary>Largest body POST /api/users reads: a name and an email at their limits fit several times over.</summary>
    public const long MaxRegisterBodyBytes = 16 * 1024;

    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        // Paths written out in full: a nested group would make the route template "/api/users/".
        api.MapPost("/users", Register)
            .WithTags("Users")
            .WithName("RegisterUser")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxRegisterBodyBytes))
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/users/{id}", Get)
            .WithTags("Users")
            .WithName("GetUser")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/users/{id}/orders", GetOrders)
            .WithTags("Users")
            .WithName("GetUserOrders")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterUserRequest body, UsersClient users, CancellationToken cancellationToken)
    {
        // Users owns the rules; the lengths are checked here too, so that an oversized field never becomes a call.
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Name))
        {
            errors["name"] = ["is required"];
        }
        else if (body.Name.Trim().Length > UserLimits.MaxNameLength)
        {
            errors["name"] = [$"must be 1 to {UserLimits.MaxNameLength} characters"];
        }

        if (string.IsNullOrWhiteSpace(body.Email))
        {
            errors["email"] = ["is required"];
        }
        else if (body.Email.Trim().Length > UserLimits.MaxEmailLength)
        {
            errors["email"] = [$"must be at most {UserLimits.MaxEmailLength} characters"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return await users.CreateAsync(body.Name!, body.Email!, cancellationToken) switch
        {
            CreateUserResult.Created created => TypedResults.Created($"/api/users/{created.User.Id}", UserView.From(created.User)),
            CreateUserResult.Invalid invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [invalid.Error.Field] = [invalid.Error.Message] }),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Email already registered",
                detail: "A user with this email address exists already."),
        };
    }

    private static async Task<Results<Ok<UserView>, ValidationProblem, ProblemHttpResult>> Get(
        string id, UsersClient users, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var userId))
        {
            return InvalidId();
        }

        return await users.FindAsync(userId, cancellationToken) is { } user
            ? TypedResults.Ok(UserView.From(user))
            : UserNotFound(userId);
    }

    private static async Task<Results<Ok<IReadOnlyList<OrderView>>, ValidationProblem, ProblemHttpResult>> GetOrders(
        string id, UsersClient users, OrdersClient orders, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var userId))
        {
            return InvalidId();
        }

        if (await users.FindAsync(userId, cancellationToken) is null)
        {
            return UserNotFound(userId);
        }

        var list = await orders.ListByUserAsync(userId, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<OrderView>>([.. list.Select(o => OrderView.From(o))]);
    }

    internal static ValidationProblem InvalidId() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["must be a UUID"] });

    internal static ProblemHttpResult UserNotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"There is no user {id}.");
}

/// <summary>Body of POST /api/users.</summary>
public sealed record RegisterUserRequest(string? Name, string? Email);

/// <summary>A user as the public API shows it.</summary>
public sealed record UserView(string Id, string Name, string Email, DateTimeOffset? CreatedAt)
{
    public static UserView From(User user) => new(user.Id, user.Name, user.Email, user.CreatedAt?.ToDateTimeOffset());
}
