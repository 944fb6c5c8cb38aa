using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interrogate.Server.Api;

/// <summary>The API's JSON: snake_case names like the CLI's --json, NaN and infinities written as strings.</summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static IResult Ok(object value) => Results.Json(value, Options);

    /// <summary>An error the client can read: {"error": "..."} with the status.</summary>
    public static IResult Error(int status, string message) => Results.Json(new { error = message, status }, Options, statusCode: status);
}

/// <summary>A request the viewer refuses with a 4xx status and one line saying why.</summary>
public sealed class RequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
