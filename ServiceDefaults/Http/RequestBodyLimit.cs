using Microsoft.AspNetCore.Http.Metadata;

namespace Microsoft.AspNetCore.Builder;

/// <summary>A request body limit per endpoint, instead of Kestrel's 30 MB for all.</summary>
public static class RequestBodyLimitExtensions
{
    /// <summary>
    /// Limits the endpoint's request body to <paramref name="bytes"/> (routing applies it to the request before the
    /// endpoint runs): reading a larger body fails, and the answer is a 413 ProblemDetails stating the limit.
    /// </summary>
    public static TBuilder WithMaxRequestBodySize<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MaxRequestBodySize(bytes));

    private sealed record MaxRequestBodySize(long Bytes) : IRequestSizeLimitMetadata
    {
        long? IRequestSizeLimitMetadata.MaxRequestBodySize => Bytes;
    }
}
