using System.Text.Json;
using Spectre.Console;

namespace Interrogate.Cli.Output;

/// <summary>
/// Where the CLI writes: progress on stderr, tables on stdout via Spectre.Console, and exactly one
/// JSON object on stdout for scripts (--json), so piping never mixes the two.
/// </summary>
internal static class Terminal
{
    /// <summary>Progress and status: always stderr, so stdout stays clean for --json.</summary>
    public static readonly IAnsiConsole Status = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(System.Console.Error),
    });

    public static IAnsiConsole Out => AnsiConsole.Console;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void WriteJson<T>(T value) => System.Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>Runs work with a live progress bar on stderr; the callback sets description and fraction.</summary>
    public static T WithProgress<T>(string title, Func<Action<string, double>, T> work)
    {
        T result = default!;
        Status.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1.0);
                result = work((description, fraction) =>
                {
                    task.Description = Markup.Escape(description);
                    task.Value = Math.Clamp(fraction, 0, 1);
                    ctx.Refresh();
                });
                task.Value = 1.0;
            });
        return result;
    }
}
