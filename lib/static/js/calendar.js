// /admin/calendar: a chosen .ics file is read into the text box the form
// sends (without script, its text is pasted there).
for (const input of document.querySelectorAll('input[type=file][data-fills]')) {
  input.addEventListener('change', () => {
    const file = input.files && input.files[0];
    const target = document.getElementById(input.dataset.fills);
    if (!file || !target) return;
    file.text().then((text) => {
      target.value = text;
    });
  });
}
