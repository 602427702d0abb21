/// The Mustache templates of the HTML report, kept in the source (not bundle resources) so
/// the binary alone can write a report. The page is self-contained: inline CSS, an inline
/// SVG chart, no script, and a Content-Security-Policy that forbids loading anything, so the
/// file shows the same offline, attached to a ticket, or printed. Every `{{value}}` is
/// HTML-escaped by Mustache; the templates never use the unescaped `{{{ }}}` form.
enum HTMLReportTemplate {
    static let page = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        {{> head}}
        <title>{{title}}</title>
        <style>
        {{> style}}
        header { border-bottom: 6px solid {{outcomeColour}}; }
        </style>
        </head>
        <body>
        <header>
        <p class="kicker">Lifeboat run report{{#drill}} · drill{{/drill}}</p>
        <h1>{{scenarioName}}</h1>
        <span class="badge" style="background: {{outcomeColour}}">{{outcomeText}}</span>
        {{#hasOutcomeMessage}}<p class="outcome-message">{{#outcomeMessage}}{{> span}}{{/outcomeMessage}}</p>{{/hasOutcomeMessage}}
        {{#hasDescription}}<p class="description">{{description}}</p>{{/hasDescription}}
        </header>
        <main>
        <section id="summary">
        <h2>Summary</h2>
        <table class="fields">
        {{#summary}}<tr><th scope="row">{{label}}</th><td>{{value}}</td></tr>
        {{/summary}}</table>
        </section>
        {{#hasObjectives}}<section id="objectives">
        <h2>Objectives</h2>
        <p>{{objectiveSummary}}</p>
        <table>
        <thead><tr><th>objective</th><th>promised</th><th>achieved</th><th>verdict</th></tr></thead>
        <tbody>
        {{#objectives}}<tr><td class="nowrap">{{objectiveLabel}}</td><td class="num">{{promised}}</td><td class="num">{{achieved}}</td><td class="nowrap"><span class="swatch" style="background: {{verdictColour}}"></span>{{verdict}}</td></tr>
        {{/objectives}}</tbody>
        </table>
        </section>{{/hasObjectives}}
        <section id="timeline">
        <h2>Timeline</h2>
        {{> timeline}}
        </section>
        <section id="steps">
        <h2>Steps</h2>
        <table>
        <thead><tr><th>step</th><th>action</th><th>status</th><th>start</th><th>end</th><th>duration</th><th>attempts</th><th>approval</th><th>outputs</th></tr></thead>
        <tbody>
        {{#steps}}<tr><td class="mono nowrap">{{id}}</td><td class="mono nowrap">{{action}}</td><td class="nowrap"><span class="swatch" style="background: {{colour}}"></span>{{statusText}}</td><td class="time">{{start}}</td><td class="time">{{end}}</td><td class="num">{{duration}}</td><td class="num">{{attempts}}</td><td>{{approval}}</td><td class="mono wrap">{{outputs}}{{#hasMessage}}<div class="message">{{message}}</div>{{/hasMessage}}</td></tr>
        {{#tries}}<tr class="attempt"><td class="mono nowrap">↳ attempt {{number}}</td><td></td><td class="nowrap"><span class="swatch" style="background: {{tryColour}}"></span>{{tryStatus}}</td><td class="time">{{tryStart}}</td><td class="time">{{tryEnd}}</td><td class="num">{{tryDuration}}</td><td></td><td></td><td class="mono wrap">{{tryMessage}}</td></tr>
        {{/tries}}{{/steps}}</tbody>
        </table>
        <p class="mono">Times are UTC.</p>
        </section>
        {{#hasInterruptions}}<section id="interruptions">
        <h2>Interruptions</h2>
        <p>{{interruptionSummary}}</p>
        <table>
        <thead><tr><th>stopped</th><th>cause</th><th>steps cut short</th><th>state left</th><th>resumed</th><th>by</th><th>flags</th><th>lost</th></tr></thead>
        <tbody>
        {{#interruptions}}<tr><td class="time">{{stopped}}</td><td>{{cause}}</td><td class="mono">{{cut}}</td><td>{{state}}</td><td class="time">{{resumed}}</td><td class="nowrap">{{resumedBy}}</td><td class="mono">{{resumeFlags}}</td><td class="num">{{lost}}</td></tr>
        {{/interruptions}}</tbody>
        </table>
        </section>{{/hasInterruptions}}
        {{#hasDecisions}}<section id="decisions">
        <h2>Decisions</h2>
        <table>
        <thead><tr><th>at</th><th>step</th><th>decision</th><th>by</th><th>OS user</th><th>why</th></tr></thead>
        <tbody>
        {{#decisions}}<tr><td class="time">{{decidedAt}}</td><td class="mono nowrap">{{decidedStep}}</td><td>{{kind}}</td><td class="nowrap">{{decidedBy}}</td><td class="nowrap">{{decidedOSUser}}</td><td>{{why}}</td></tr>
        {{/decisions}}</tbody>
        </table>
        </section>{{/hasDecisions}}
        <section id="approvals">
        <h2>Approvals</h2>
        {{#hasApprovals}}<table>
        <thead><tr><th>step</th><th>requested</th><th>approved</th><th>by</th><th>OS user</th><th>reason</th><th>waited</th><th>message</th></tr></thead>
        <tbody>
        {{#approvals}}<tr><td class="mono nowrap">{{step}}</td><td class="time">{{requested}}</td><td class="time">{{approved}}</td><td class="nowrap">{{by}}</td><td class="nowrap">{{osUser}}</td><td>{{reason}}</td><td class="num">{{waited}}</td><td>{{gateMessage}}</td></tr>
        {{/approvals}}</tbody>
        </table>{{/hasApprovals}}
        {{^hasApprovals}}<p>No step of this run had an approval gate.</p>{{/hasApprovals}}
        </section>
        <section id="validation">
        <h2>Validation</h2>
        {{#hasValidations}}<table>
        <thead><tr><th>step</th><th>action</th><th>checks</th><th>status</th><th>result</th></tr></thead>
        <tbody>
        {{#validations}}<tr><td class="mono nowrap">{{step}}</td><td class="mono nowrap">{{action}}</td><td>{{checks}}</td><td class="nowrap"><span class="swatch" style="background: {{colour}}"></span>{{statusText}}</td><td class="mono wrap">{{result}}</td></tr>
        {{/validations}}</tbody>
        </table>{{/hasValidations}}
        {{^hasValidations}}<p>No validation step ran (backup.verify, validate.row_counts, sql.check).</p>{{/hasValidations}}
        </section>
        <section id="backup">
        <h2>Backup</h2>
        {{#hasBackup}}<table class="fields">
        {{#backup}}<tr><th scope="row">{{label}}</th><td class="mono wrap">{{value}}</td></tr>
        {{/backup}}</table>{{/hasBackup}}
        {{^hasBackup}}<p>The run chose no backup (no backup.select step succeeded).</p>{{/hasBackup}}
        </section>
        {{#hasRecovery}}<section id="recovery">
        <h2>Recovery</h2>
        <table class="fields">
        {{#recovery}}<tr><th scope="row">{{label}}</th><td class="mono wrap">{{value}}</td></tr>
        {{/recovery}}</table>
        </section>{{/hasRecovery}}
        {{#hasNextSteps}}<section id="next-steps">
        <h2>Next steps</h2>
        <ol class="next">
        {{#nextSteps}}<li>{{#spans}}{{> span}}{{/spans}}</li>
        {{/nextSteps}}</ol>
        </section>{{/hasNextSteps}}
        </main>
        <footer>Written by Lifeboat from the run's journal alone, {{generated}}.</footer>
        </body>
        </html>

        """#

    /// The chart: a row per step, the approval wait hatched before the bar, ticks below.
    static let timeline = #"""
        <div class="chart">
        <ul class="legend">
        {{#legend}}<li><span class="swatch" style="background: {{colour}}"></span>{{name}}</li>
        {{/legend}}{{#hasApprovalWait}}<li><span class="swatch hatch"></span>waiting for approval</li>{{/hasApprovalWait}}{{#hasGaps}}<li><span class="swatch" style="background: #fbe9e7; outline: 1px dashed #ef6c00"></span>stood still after an interruption</li>{{/hasGaps}}
        </ul>
        <svg viewBox="0 0 {{chartWidth}} {{chartHeight}}" width="{{chartWidth}}" height="{{chartHeight}}" role="img" aria-label="Timeline of the run's steps">
        <defs>
        <pattern id="lb-approval-wait" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#e0e0e0"></rect><line x1="0" y1="0" x2="0" y2="6" stroke="#757575" stroke-width="3"></line>
        </pattern>
        </defs>
        {{#ticks}}<line x1="{{x}}" y1="0" x2="{{x}}" y2="{{axisY}}" stroke="#eaeef2" stroke-width="1"></line>
        <text class="tick" x="{{x}}" y="{{axisLabelY}}" text-anchor="middle">{{label}}</text>
        {{/ticks}}{{#gaps}}<rect class="interruption" x="{{gapX}}" y="0" width="{{gapWidth}}" height="{{gapHeight}}" fill="#fbe9e7" stroke="#ef6c00" stroke-width="0.5" stroke-dasharray="3 2"><title>{{gapTooltip}}</title></rect>
        {{/gaps}}<line x1="{{axisLeft}}" y1="{{axisY}}" x2="{{axisRight}}" y2="{{axisY}}" stroke="#59636e" stroke-width="1"></line>
        {{#rows}}<g class="step {{status}}">
        <title>{{tooltip}}</title>
        <text x="8" y="{{labelY}}" font-size="12">{{label}}</text>
        {{#hasWait}}<rect x="{{waitX}}" y="{{barY}}" width="{{waitWidth}}" height="{{barHeight}}" fill="url(#lb-approval-wait)" stroke="#757575" stroke-width="0.5"></rect>
        {{/hasWait}}{{#bars}}<rect class="attempt" x="{{barX}}" y="{{barY}}" width="{{barWidth}}" height="{{barHeight}}" rx="2" fill="{{colour}}"{{#openEnded}} stroke="#1f2328" stroke-width="1" stroke-dasharray="4 3"{{/openEnded}}><title>{{tooltip}}</title></rect>
        {{/bars}}</g>
        {{/rows}}<text class="tick" x="{{axisMiddle}}" y="{{axisTitleY}}" text-anchor="middle">{{axisTitle}}</text>
        </svg>
        </div>
        """#

    /// The head both pages share: its Content-Security-Policy is what keeps a report from
    /// loading anything, so it is written once.
    static let head = #"""
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="Lifeboat">
        """#

    /// The style sheet the run report and the history page share, so both read as one product.
    static let style = #"""
        :root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); background: #fff;
          font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        header { padding: 20px 32px 16px; background: var(--panel); }
        header .kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 12px; }
        header h1 { margin: 4px 0 8px; font-size: 26px; }
        .badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; font-size: 13px;
          -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        .outcome-message { margin: 8px 0 0; max-width: 70em; }
        main { padding: 8px 32px 32px; max-width: 1200px; }
        h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
        thead th { background: var(--panel); font-weight: 600; }
        table.fields th { width: 12em; color: var(--muted); font-weight: 600; }
        td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
        td.wrap { overflow-wrap: anywhere; }
        td.num { text-align: right; white-space: nowrap; }
        td.time, td.nowrap { white-space: nowrap; }
        .description { white-space: pre-wrap; color: var(--muted); max-width: 70em; margin: 8px 0 0; }
        .message { color: #8c1d18; margin-top: 2px; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 4px;
          -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        .hatch { background: repeating-linear-gradient(45deg, #e0e0e0 0 3px, #757575 3px 5px); }
        .legend { list-style: none; padding: 0; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); }
        .chart svg { width: 100%; height: auto; display: block; }
        .chart text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
        .chart .tick { font-size: 11px; fill: var(--muted); }
        ol.next li { margin-bottom: 6px; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; background: #eef1f4;
          padding: 1px 4px; border-radius: 3px; }
        footer { padding: 12px 32px 24px; color: var(--muted); font-size: 12px; }
        @media print {
          body { font-size: 10pt; }
          header { background: #fff; padding: 0 0 8px; }
          main, footer { padding-left: 0; padding-right: 0; max-width: none; }
          section, table, tr, .chart { break-inside: avoid; page-break-inside: avoid; }
          h2 { break-after: avoid; page-break-after: avoid; }
          .chart svg, .swatch, .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        }
        """#

    /// A piece of text, set as code when it was `backticked`.
    static let span = #"{{#code}}<code>{{text}}</code>{{/code}}{{^code}}{{text}}{{/code}}"#
}
