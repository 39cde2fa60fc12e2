using System.CommandLine;

namespace GlobalBrain.Client.Cli;

public sealed partial class TokenizeCommand
{
    /// <summary>The <c>tokenize</c> command, its options and its action.</summary>
    internal static Command Define(CliContext context)
    {
        var tokenizer = new TokenizerChoice.Options();
        var format = new Option<string>("--format")
        {
            Description = "jsonl: one {\"input_ids\":[…],\"attention_mask\":[…]} per line (stdout, or --output FILE); npy: --output DIR/input_ids.npy (int32) and attention_mask.npy (int8), [records, L], needs --max-len; parquet: --output FILE with the columns of ingest --export.",
            DefaultValueFactory = _ => TokenizeOutputArguments.Jsonl,
            HelpName = "jsonl|npy|parquet",
        };
        format.Validators.Add(r =>
        {
            // One line, unlike AcceptOnlyFromAmong's list.
            var name = r.GetValueOrDefault<string>();
            if (!TokenizeOutputArguments.Formats.Contains(name, StringComparer.Ordinal))
            {
                r.AddError($"--format: unknown format '{name}'; choose one of: {string.Join(", ", TokenizeOutputArguments.Formats)}");
            }
        });
        var outputPath = new Option<string?>("--output")
        {
            Description = "Write to this new file (jsonl, parquet) or new or empty directory (npy) instead of stdout.",
            HelpName = "PATH",
        };
        var command = new Command("tokenize", "Encode each stdin line to a record: input_ids and attention_mask, in input order (JSON Lines on stdout by default).")
        {
            format, outputPath,
        };
        tokenizer.AddTo(command);

        command.SetAction((parse, cancellationToken) => new TokenizeCommand(context).RunAsync(
            tokenizer.Read(parse), new TokenizeOutputArguments(parse.GetValue(format)!, parse.GetValue(outputPath)), cancellationToken));
        return command;
    }
}
