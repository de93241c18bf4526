using Grpc.Core;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Shop.Conventions;
using Shop.Data;
using Shop.Users.Storage;
using V1 = Shop.Contracts.Users.V1;

namespace Shop.Users.Directory;

/// <summary>shop.users.v1.UsersService: create, read and page through users.</summary>
internal sealed partial class UsersApi(UsersDbContext db, ILogger<UsersApi> logger) : V1.UsersService.UsersServiceBase
{
    private const string EmailIndex = "ix_users_email";
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    public override async Task<V1.User> CreateUser(V1.CreateUserRequest request, ServerCallContext context)
    {
        var (name, nameError) = UserInput.Name(request.Name);
        var (email, emailError) = UserInput.Email(request.Email);
        if ((nameError ?? emailError) is { } error)
        {
            throw InvalidArgument(error);
        }

        var user = new User { Id = Guid.CreateVersion7(), Name = name!, Email = email!, CreatedAt = DatabaseTime.UtcNow };
        db.Users.Add(user);
        try
        {
            // The unique index decides, so two concurrent registrations of one address cannot both succeed.
            await db.SaveChangesAsync(context.CancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e, EmailIndex))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, "email: is already taken"));
        }

        Activity.Current?.SetTag(TelemetryAttributes.UserId, user.Id.ToString());
        UsersTelemetry.UsersCreated.Add(1);
        LogCreated(logger, user.Id);
        return ToMessage(user);
    }

    public override async Task<V1.User> GetUser(V1.GetUserRequest request, ServerCallContext context)
    {
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw InvalidArgument("id: must be a UUID");
        }

        Activity.Current?.SetTag(TelemetryAttributes.UserId, id.ToString());
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"user {id} not found"));
        return ToMessage(user);
    }

    /// <summary>Keyset paging in id order (ids are UUIDv7, so that is creation order): the page token is the last id seen.</summary>
    public override async Task<V1.ListUsersResponse> ListUsers(V1.ListUsersRequest request, ServerCallContext context)
    {
        if (request.PageSize < 0)
        {
            throw InvalidArgument("page_size: must not be negative");
        }

        Guid? after = null;
        if (request.PageToken.Length > 0)
        {
            after = Guid.TryParse(request.PageToken, out var last) ? last : throw InvalidArgument("page_token: is not a token this service issued");
        }

        var size = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var query = db.Users.AsNoTracking();
        if (after is { } key)
        {
            query = query.Where(u => u.Id > key);
        }

        var page = await query.OrderBy(u => u.Id).Take(size + 1).ToListAsync(context.CancellationToken);
        var response = new V1.ListUsersResponse();
        response.Users.AddRange(page.Take(size).Select(ToMessage));
        if (page.Count > size)
        {
            response.NextPageToken = page[size - 1].Id.ToString();
        }

        return response;
    }

    private static V1.User ToMessage(User user) => new()
    {
        Id = user.Id.ToString(),
        Name = user.Name,
        Email = user.Email,
        CreatedAt = Timestamp.FromDateTimeOffset(user.CreatedAt),
    };

    private static RpcException InvalidArgument(string detail) => new(new Status(StatusCode.InvalidArgument, detail));

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} created")]
    private static partial void LogCreated(ILogger logger, Guid userId);
}
